// A real OpenID Connect provider for the browser tests: `oidc-provider` with one client
// (Rampart) and users in two groups. Its development sign-in form accepts any password for
// the users below. Configured by environment: IDP_PORT and RAMPART_OIDC_REDIRECT.
import Provider from 'oidc-provider';

const port = Number(process.env.IDP_PORT ?? 3901);
const redirect = process.env.RAMPART_OIDC_REDIRECT ?? 'http://127.0.0.1:3902/auth/oidc/callback';
const issuer = `http://127.0.0.1:${port}`;

const users = {
  nadia: { sub: 'nadia', preferred_username: 'nadia', email: 'nadia@example.test', groups: ['nlp-leads'] },
  sergio: { sub: 'sergio', preferred_username: 'sergio', email: 'sergio@example.test', groups: ['sec'] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'rampart',
    client_secret: 'rampart-e2e-client-secret',
    redirect_uris: [redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email'], groups: ['groups'] },
  // Put the scopes' claims in the ID token itself, where Rampart reads the groups.
  conformIdTokenClaims: false,
  findAccount: async (_ctx, id) => users[id] && { accountId: id, claims: async () => users[id] },
  cookies: { keys: ['rampart-e2e-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});

provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
