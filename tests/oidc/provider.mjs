// A real OpenID provider for the sign-in tests: panva's certified oidc-provider, with its
// development login form (any password; the login name picks the account below).
//   node provider.mjs PORT REDIRECT_URI CLIENT_SECRET
// Prints "ready <issuer>" once listening. Test accounts and their groups:
import Provider from "oidc-provider";

const [port, redirectUri, clientSecret] = process.argv.slice(2);
const ACCOUNTS = {
  marie: { email: "marie@asso-demo.example", name: "Marie Directrice", groups: ["gf-direction"] },
  paul: { email: "paul@asso-demo.example", name: "Paul Accueil", groups: ["equipe-accueil"] },
};
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: "gardefou",
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile", "groups"],
  claims: { openid: ["sub"], email: ["email"], profile: ["name"], groups: ["groups"] },
  // Groups in the ID token, as Keycloak's or Entra's group mappers put them.
  conformIdTokenClaims: false,
  cookies: { keys: ["gardefou-test-provider-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id] ?? { email: `${id}@asso-demo.example`, name: id, groups: [] };
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
  // First-party client: no consent screen, the grant is given at login.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile groups");
    grant.addOIDCClaims(["email", "name", "groups"]);
    await grant.save();
    return grant;
  },
});
provider.listen(Number(port), "127.0.0.1", () => console.log(`ready ${issuer}`));
