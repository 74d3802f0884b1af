// The reference for bench/oidc_speed.py: panva's oidc-provider with its in-memory
// store, one confidential client, refresh token rotation, client credentials, and an
// interaction that logs "erika" in and consents at once (the benchmark measures the
// token, userinfo, discovery and JWKS endpoints, not a login page).
//
// Usage: node oidc_provider_reference.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Prints {"issuer": "..."} when it listens on 127.0.0.1; ends when stdin closes.
import Provider from 'oidc-provider'
import http from 'node:http'
import { randomBytes } from 'node:crypto'

const [clientId, clientSecret, redirectUri] = process.argv.slice(2)
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()

const server = http.createServer()
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${server.address().port}`
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [await generateEc()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], profile: ['given_name', 'family_name'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    userinfo: { enabled: true },
  },
  scopes: ['openid', 'profile', 'offline_access', 'postfach'],
  issueRefreshToken: async () => true,
  rotateRefreshToken: true,
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, given_name: 'Erika', family_name: 'Mustermann' } } }
  },
})

async function generateEc() {
  const { generateKeyPairSync } = await import('node:crypto')
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
  return { ...jwk, alg: 'ES256', use: 'sig', kid: 'bench-es256' }
}

const callback = provider.callback()
server.on('request', async (req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(req.url.split('?')[0])
  if (!match) return callback(req, res)
  try {
    const details = await provider.interactionDetails(req, res)
    if (details.prompt.name === 'login') {
      return await provider.interactionFinished(req, res, { login: { accountId: 'erika' } },
        { mergeWithLastSubmission: false })
    }
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id })
    grant.addOIDCScope(details.params.scope)
    return await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true })
  } catch (err) {
    res.statusCode = 500
    res.end(String(err?.message ?? err))
  }
})
process.stdout.write(JSON.stringify({ issuer }) + '\n')
