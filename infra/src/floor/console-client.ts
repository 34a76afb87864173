// The agent console as a simulated agent uses it: sign in with the login form, then the console's
// form actions (ready/pause, disposition) over HTTP, exactly as the browser posts them.
const SESSION_COOKIE = "cc_session";

export class ConsoleClientError extends Error {
  readonly code: string;
  /** HTTP status of the refusal (5xx: the dashboard or what is behind it failed, worth a retry). */
  readonly status: number;
  constructor(message: string, code: string, status = 0) {
    super(message);
    this.name = "ConsoleClientError";
    this.code = code;
    this.status = status;
  }
}

export class ConsoleClient {
  readonly #base: string;
  #cookie = "";

  constructor(baseUrl: string) {
    this.#base = baseUrl.replace(/\/$/, "");
  }

  async signIn(username: string, password: string): Promise<void> {
    const res = await fetch(`${this.#base}/login`, {
      method: "POST",
      headers: this.#headers(),
      body: new URLSearchParams({ username, password }),
      redirect: "manual",
    });
    const body = (await res.json().catch(() => ({}))) as { type?: string };
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0]!)
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    // The login action answers a successful sign-in with a redirect (JSON mode: type "redirect").
    if (body.type !== "redirect" || !cookie) {
      throw new ConsoleClientError(
        `sign-in of ${username} refused (HTTP ${res.status}, ${body.type})`,
        "SIGN_IN",
      );
    }
    this.#cookie = cookie;
  }

  /** Form posts in SvelteKit's JSON action mode, from the dashboard's own origin (CSRF check). */
  #headers(): Record<string, string> {
    return {
      "content-type": "application/x-www-form-urlencoded",
      origin: this.#base,
      "x-sveltekit-action": "true",
      accept: "application/json",
      ...(this.#cookie ? { cookie: this.#cookie } : {}),
    };
  }

  /** Posts a console form action; resolves with its data, rejects with the refusal. */
  async action(name: "state" | "dispose" | string, form: Record<string, string>): Promise<unknown> {
    const res = await fetch(`${this.#base}/console?/${name}`, {
      method: "POST",
      headers: this.#headers(),
      body: new URLSearchParams(form),
    });
    const body = (await res.json().catch(() => ({}))) as { type?: string; status?: number; data?: unknown };
    if (body.type !== "success") {
      throw new ConsoleClientError(
        `console ${name} refused: ${res.status} ${JSON.stringify(body.data ?? body).slice(0, 200)}`,
        "ACTION",
        body.status ?? res.status,
      );
    }
    return body.data;
  }
}
