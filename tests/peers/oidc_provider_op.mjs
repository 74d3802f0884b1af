// Another state's Servicekonto as an OpenID Provider: panva's oidc-provider (a
// certified OP) with a minimal login and consent of its own, so that the upstream
// relying back end (federation/oidc_upstream.py) meets a real, strict partner.
//
// Usage: node oidc_provider_op.mjs [--max-seconds N] [--config '<json>']
// Without --config the first line on stdin is the JSON config. When the provider
// listens, one JSON line goes to stdout: {"ready": true, "issuer": "http://127.0.0.1:PORT"}.
// The process ends when stdin closes and, whatever happens, after --max-seconds.
//
// Config:
//   port         number, 0 or absent: a free port (always on 127.0.0.1)
//   clients      [{client_id, client_secret, redirect_uris, token_endpoint_auth_method?, ...}]
//                any further client metadata is passed to oidc-provider as is
//   accounts     {"<login name>": {"claims": {...}, "acr": "<acr>", "amr": ["pwd"]}}
//                claims may hold verified_claims (OIDC4IDA); sub is the login name
//                unless claims.sub says otherwise
//   acr_values   the acr values the provider announces (acr_values_supported)
//   claims       optional: scope -> claim names, replacing the default below
//   jwks         optional: private JWKS to sign with; else keys are made at start
import Provider from 'oidc-provider'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import http from 'node:http'
import readline from 'node:readline'

const argValue = (name) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const maxSeconds = Number(argValue('--max-seconds') ?? 120)
setTimeout(() => {
  process.stderr.write(`oidc_provider_op: no end after ${maxSeconds}s, exiting\n`)
  process.exit(3)
}, maxSeconds * 1000).unref()

// acr, amr and auth_time sit in the openid scope so that every ID token carries
// them: the relying party under test must see what the login was worth.
const DEFAULT_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['given_name', 'family_name', 'birthdate', 'birth_family_name', 'place_of_birth',
    'nationalities', 'title', 'verified_claims'],
  email: ['email', 'email_verified'],
  address: ['address'],
}

function signingKeys() {
  const key = (type, options, alg, kid) => ({
    ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid,
  })
  return {
    keys: [
      key('rsa', { modulusLength: 2048 }, 'RS256', `rsa-${randomBytes(6).toString('hex')}`),
      key('ec', { namedCurve: 'P-256' }, 'ES256', `ec-${randomBytes(6).toString('hex')}`),
    ],
  }
}

const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]))

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
}

function loginPage(uid, clientId, message) {
  return page('Anmeldung beim Servicekonto', `
<p>Anmeldung für <strong>${escapeHtml(clientId)}</strong></p>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
  <label for="username">Benutzername</label>
  <input id="username" name="username" autocomplete="username" required autofocus>
  <button type="submit">Anmelden</button>
</form>
<form method="post" action="/interaction/${uid}/abort">
  <button type="submit">Abbrechen</button>
</form>`)
}

function consentPage(uid, clientId, scopes, claims) {
  const items = [...scopes.map((s) => `Bereich ${s}`), ...claims.map((c) => `Angabe ${c}`)]
  return page('Zustimmung', `
<p><strong>${escapeHtml(clientId)}</strong> möchte auf folgende Daten zugreifen:</p>
<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>
<form method="post" action="/interaction/${uid}/confirm">
  <button type="submit">Zustimmen</button>
</form>
<form method="post" action="/interaction/${uid}/abort">
  <button type="submit">Ablehnen</button>
</form>`)
}

async function formBody(req) {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > 64 * 1024) throw new Error('form too large')
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

function send(res, status, html) {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.end(html)
}

// The acr values an essential acr request in the `claims` parameter insists on;
// oidc-provider would otherwise ask for a login again and again when the account
// cannot reach them.
function essentialAcrs(params) {
  if (!params.claims) return null
  try {
    const acr = JSON.parse(params.claims)?.id_token?.acr
    if (!acr?.essential) return null
    if (Array.isArray(acr.values)) return acr.values
    return acr.value ? [acr.value] : null
  } catch {
    return null
  }
}

function buildProvider(issuer, config) {
  const accounts = config.accounts ?? {}
  const claims = config.claims ?? DEFAULT_CLAIMS
  const provider = new Provider(issuer, {
    clients: config.clients ?? [],
    jwks: config.jwks ?? signingKeys(),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims,
    acrValues: config.acr_values ?? [],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      userinfo: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = accounts[id]
      if (!account) return undefined
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...(account.claims ?? {}) }
        },
      }
    },
  })
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
    provider.on(event, (ctx, err) => {
      process.stderr.write(`oidc_provider_op ${event}: ${err?.name} ${err?.message} ${err?.error_description ?? ''}\n`)
    })
  }
  return { provider, accounts }
}

async function interaction(provider, accounts, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res)
  if (details.uid !== uid) return send(res, 400, page('Fehler', '<p>Unbekannte Anmeldung.</p>'))
  const { prompt, params, session } = details

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return send(res, 200, loginPage(uid, params.client_id))
    const scopes = prompt.details.missingOIDCScope ?? []
    const claims = prompt.details.missingOIDCClaims ?? []
    return send(res, 200, consentPage(uid, params.client_id, scopes, claims))
  }
  if (req.method !== 'POST') return send(res, 405, page('Fehler', '<p>Nicht erlaubt.</p>'))

  if (action === 'abort') {
    await formBody(req)
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false })
  }

  if (action === 'login' && prompt.name === 'login') {
    const username = (await formBody(req)).get('username') ?? ''
    const account = Object.hasOwn(accounts, username) ? accounts[username] : null
    if (!account) return send(res, 200, loginPage(uid, params.client_id, 'Unbekannter Benutzername.'))
    const acr = account.acr ?? 'http://eidas.europa.eu/LoA/low'
    const wanted = essentialAcrs(params)
    if (wanted && !wanted.includes(acr)) {
      return provider.interactionFinished(req, res, {
        error: 'unmet_authentication_requirements',
        error_description: 'the account cannot reach the requested acr',
      }, { mergeWithLastSubmission: false })
    }
    return provider.interactionFinished(req, res, {
      login: { accountId: username, acr, amr: account.amr ?? ['pwd'] },
    }, { mergeWithLastSubmission: false })
  }

  if (action === 'confirm' && prompt.name === 'consent') {
    await formBody(req)
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id })
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '))
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '))
    }
    const grantId = await grant.save()
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
  }

  return send(res, 400, page('Fehler', '<p>Dieser Schritt passt nicht zur Anmeldung.</p>'))
}

async function readConfig() {
  const fromArg = argValue('--config')
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  // stdin doubles as the lifeline: when the test process goes, so does the provider.
  lines.on('close', () => process.exit(0))
  if (fromArg) return JSON.parse(fromArg)
  return new Promise((resolve, reject) => {
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line))
      } catch (err) {
        reject(err)
      }
    })
  })
}

const config = await readConfig()
let handler = (req, res) => send(res, 503, page('Fehler', '<p>Noch nicht bereit.</p>'))
const server = http.createServer((req, res) => handler(req, res))
await new Promise((resolve, reject) => {
  server.once('error', reject)
  server.listen(config.port ?? 0, '127.0.0.1', resolve)
})
const issuer = `http://127.0.0.1:${server.address().port}`
const { provider, accounts } = buildProvider(issuer, config)
const providerHandler = provider.callback()
handler = (req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(req.url.split('?')[0])
  if (!match) return providerHandler(req, res)
  interaction(provider, accounts, req, res, match[1], match[2]).catch((err) => {
    process.stderr.write(`oidc_provider_op interaction: ${err?.name} ${err?.message}\n`)
    if (!res.headersSent) send(res, 400, page('Fehler', `<p>${escapeHtml(err?.message ?? err)}</p>`))
  })
}
process.stdout.write(JSON.stringify({ ready: true, issuer }) + '\n')
