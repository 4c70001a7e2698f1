import { Layout } from "./layout";

type Doc = Record<string, any>;

function Schema(props: { schema?: Doc }) {
  const s = props.schema;
  if (!s) return <span class="muted">none</span>;
  if (s.$ref) return <code>{String(s.$ref).split("/").pop()}</code>;
  if (s.type === "object" && s.properties) {
    return (
      <code>
        {"{ "}
        {Object.entries(s.properties as Doc)
          .map(([k, v]) => `"${k}": ${v.const !== undefined ? JSON.stringify(v.const) : v.type}`)
          .join(", ")}
        {" }"}
      </code>
    );
  }
  return <code>{s.type ?? "any"}</code>;
}

/** The readable reference: the OpenAPI document rendered as HTML, no scripts, no CDN. */
export function DocsPage(props: { doc: Doc }) {
  const { doc } = props;
  return (
    <Layout title="API reference" wide>
      <h1>{doc.info.title} API reference</h1>
      <p>{doc.info.description}</p>
      <p class="muted">
        Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI {doc.openapi}). Session: the <code>session_id</code> cookie set
        by <code>POST /sessions</code>.
      </p>
      {doc.tags.map((tag: Doc) => (
        <section>
          <h2>{tag.name}</h2>
          <p class="muted">{tag.description}</p>
          {Object.entries(doc.paths as Doc).flatMap(([path, methods]) =>
            Object.entries(methods as Doc)
              .filter(([, op]) => op.tags.includes(tag.name))
              .map(([method, op]) => {
                const body = op.requestBody?.content?.["application/x-www-form-urlencoded"]?.schema;
                const fields = body?.properties ?? Object.fromEntries((op.parameters ?? []).map((p: Doc) => [p.name, p.schema]));
                return (
                  <article id={op.operationId}>
                    <h3>
                      <span class="method">{method}</span> <code>{path}</code> {op.summary}
                    </h3>
                    {op.description && <p>{op.description}</p>}
                    {op.security && <p class="muted">Reads the session_id cookie.</p>}
                    {Object.keys(fields).length > 0 && (
                      <table>
                        <tr>
                          <th>{body ? "field (form, multipart or JSON body)" : "query parameter"}</th>
                          <th>rules</th>
                        </tr>
                        {Object.entries(fields as Doc).map(([name, schema]) => (
                          <tr>
                            <td>
                              <code>{name}</code>
                            </td>
                            <td>{schema.description ?? schema.type}</td>
                          </tr>
                        ))}
                      </table>
                    )}
                    <table>
                      <tr>
                        <th>status</th>
                        <th>when</th>
                        <th>body</th>
                      </tr>
                      {Object.entries(op.responses as Doc).map(([status, response]) => (
                        <tr>
                          <td>{status}</td>
                          <td>{response.description}</td>
                          <td>
                            {response.content?.["application/json"] ? (
                              <Schema schema={response.content["application/json"].schema} />
                            ) : response.content?.["text/html"] ? (
                              "HTML page"
                            ) : (
                              <span class="muted">{Object.keys(response.headers ?? {}).join(", ") || "none"}</span>
                            )}
                          </td>
                        </tr>
                      ))}
                    </table>
                  </article>
                );
              }),
          )}
        </section>
      ))}
    </Layout>
  );
}
