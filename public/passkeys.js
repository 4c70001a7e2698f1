// Passkeys on the account pages (the only script they run; their CSP allows it and nothing else).
// WebAuthn needs JavaScript: the browser talks to the device. The JSON helpers of WebAuthn Level 3
// (parseCreationOptionsFromJSON, parseRequestOptionsFromJSON, toJSON) do all the encoding; the
// service checks everything. Buttons are hidden until this script finds passkeys supported.
(() => {
  const supported =
    typeof PublicKeyCredential === "function" &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
  for (const element of document.querySelectorAll("[data-passkey]")) element.hidden = !supported;
  if (!supported) return;

  const problem = document.getElementById("passkey-error");
  const say = (text) => {
    problem.textContent = text;
    problem.hidden = !text;
    problem.classList.toggle("error", Boolean(text));
  };
  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  const message = async (response) => {
    try {
      return (await response.json()).message;
    } catch {
      return `the service answered ${response.status}`;
    }
  };
  /** Runs a passkey ceremony on click; a refusal or a cancelled prompt is said in words. */
  const on = (id, ceremony) => {
    const button = document.getElementById(id);
    if (!button) return;
    button.addEventListener("click", async () => {
      button.disabled = true;
      say("");
      try {
        await ceremony(button.dataset.next || "");
      } catch (error) {
        say(
          error && error.name === "NotAllowedError"
            ? "The passkey prompt was closed or timed out. Try again."
            : `That did not work: ${error.message}`,
        );
      } finally {
        button.disabled = false;
      }
    });
  };
  /** An assertion with any passkey of this site, against a fresh challenge. */
  const assertion = async () => {
    const options = await post("/sessions/passkey/options");
    if (!options.ok) throw new Error(await message(options));
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(await options.json()),
    });
    return credential.toJSON();
  };

  on("passkey-sign-in", async (next) => {
    const response = await post("/sessions/passkey", await assertion());
    if (!response.ok) throw new Error(await message(response));
    location.assign(next || "/account/profile");
  });

  on("passkey-reauth", async (next) => {
    const response = await post("/profile/reauthenticate", await assertion());
    if (!response.ok) throw new Error(await message(response));
    location.assign(next || "/account/profile");
  });

  on("passkey-add", async () => {
    const options = await post("/profile/passkeys/options");
    if (options.status === 403 && (await options.clone().json()).reauthenticate) {
      location.assign("/account/reauthenticate?next=/account/passkeys");
      return;
    }
    if (!options.ok) throw new Error(await message(options));
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(await options.json()),
    });
    const response = await post("/profile/passkeys", credential.toJSON());
    if (!response.ok) throw new Error(await message(response));
    location.reload();
  });
})();
