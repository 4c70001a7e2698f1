// The package has types only (types/index.d.ts): `import type { AppType } from "edge-auth"`.
export {};
