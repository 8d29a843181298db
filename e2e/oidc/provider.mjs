// The test bed's OpenID Connect provider: oidc-provider (OpenID Certified), on loopback,
// with the bed's users and their groups in the ID token.
//
//   node provider.mjs <port> <client-secret> <redirect-uri>...
//
// Two confidential clients share the secret and redirect URIs: `flux-web`, whose ID tokens
// live an hour, and `flux-web-short`, whose ID tokens live SHORT_ID_TOKEN seconds, so a test
// sees a session refresh them. Its login form is oidc-provider's development one: it takes
// any password, but only the accounts below. Consent is implied for these first-party
// clients, as with Dex's skipApprovalScreen.

import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const SHORT_ID_TOKEN = 4;

const ACCOUNTS = {
  alice: { name: 'Alice Liddell', groups: ['devs'] },
  bob: { name: 'Bob Builder', groups: ['ops'] },
  mallory: { name: 'Mallory', groups: [] },
  // No email claim: the default username mapping cannot find one.
  nomail: { name: 'No Mail', groups: ['devs'], noEmail: true },
};

const [port, secret, ...redirectUris] = process.argv.slice(2);
if (!port || !secret || redirectUris.length === 0) {
  console.error('usage: node provider.mjs <port> <client-secret> <redirect-uri>...');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), use: 'sig', alg: 'RS256', kid: 'testbed-1' };

const client = (id) => ({
  client_id: id,
  client_secret: secret,
  redirect_uris: redirectUris,
  post_logout_redirect_uris: redirectUris.map((u) => new URL('/', u).href),
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: [client('flux-web'), client('flux-web-short')],
  jwks: { keys: [jwk] },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // The scope claims go into the ID token, as Dex does: flux-web reads nothing else.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true }, revocation: { enabled: true } },
  ttl: {
    IdToken: (ctx, token, c) => (c.clientId === 'flux-web-short' ? SHORT_ID_TOKEN : 3600),
    AccessToken: 3600,
    RefreshToken: 86400,
    Session: 86400,
    Grant: 86400,
    Interaction: 600,
  },
  issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      accountId: ctx.oidc.session.accountId,
      clientId: ctx.oidc.client.clientId,
    });
    grant.addOIDCScope('openid offline_access profile email groups');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: id, name: account.name, groups: account.groups };
        if (!account.noEmail) Object.assign(claims, { email: `${id}@example.com`, email_verified: true });
        return claims;
      },
    };
  },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc: ${issuer} ready`);
});
