// drachtio-mw-digest-auth ships no types; this is the part media uses.
declare module "drachtio-mw-digest-auth" {
  import type Srf from "drachtio-srf";

  // biome-ignore lint/complexity/noBannedTypes: the same `next` type as drachtio-srf's own use().
  type Middleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: Function) => void;
  export default function digestAuth(opts: {
    realm: string | ((req: Srf.SrfRequest) => string | Promise<string>);
    proxy?: boolean;
    passwordLookup: (
      username: string,
      realm: string,
      callback: (err: Error | null, password?: string | null) => void,
    ) => void;
  }): Middleware;
}
