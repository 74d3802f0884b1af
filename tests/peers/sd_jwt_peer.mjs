// An independent SD-JWT VC implementation (@sd-jwt/sd-jwt-vc of the OpenWallet
// Foundation) driven by tests/peers/test_sd_jwt_peer.py: one JSON request on stdin,
// one JSON answer on stdout ({"ok": true, ...} or {"ok": false, "error": "..."}).
//
//   verify   presentation, anchor_pem, nonce, status_lists ({uri: JWT})
//            -> the disclosed claims and the KB-JWT payload. The issuer key is taken
//               from the x5c leaf, which must be issued by anchor_pem (node:crypto).
//   present  issuer_jwk (private), x5c, holder_jwk (private), claims, disclose (top-level
//            claim names), aud, nonce -> an issued and presented SD-JWT VC in which every
//            personal claim (and each of its parts) is selectively disclosable.
import { X509Certificate } from 'node:crypto'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs'

// Claims SD-JWT VC keeps visible (draft-ietf-oauth-sd-jwt-vc §3.2.2.2).
const VISIBLE = new Set(['iss', 'nbf', 'exp', 'iat', 'cnf', 'vct', 'status', 'issuing_country'])

function frame(value, top = false) {
  if (Array.isArray(value)) {
    const nested = Object.fromEntries(value.map((item, i) => [i, frame(item)]).filter(([, f]) => f))
    return { ...nested, _sd: value.map((_, i) => i) }
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((key) => !(top && VISIBLE.has(key)))
    const nested = Object.fromEntries(keys.map((key) => [key, frame(value[key])]).filter(([, f]) => f))
    return { ...nested, _sd: keys }
  }
  return undefined
}

function everything(value) {
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, i) => [i, everything(item)]))
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).map((k) => [k, everything(value[k])]))
  return true
}

function leafKey(header, anchorPem) {
  const leaf = new X509Certificate(Buffer.from(header.x5c[0], 'base64'))
  const anchor = new X509Certificate(anchorPem)
  if (!leaf.checkIssued(anchor) || !leaf.verify(anchor.publicKey)) throw new Error('x5c leaf not issued by the trust anchor')
  return leaf.publicKey.export({ format: 'jwk' })
}

async function verify({ presentation, anchor_pem, nonce, status_lists }) {
  const header = JSON.parse(Buffer.from(presentation.split('.')[0], 'base64url').toString())
  const issuerVerifier = await ES256.getVerifier(leafKey(header, anchor_pem))
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: issuerVerifier,
    kbVerifier: async (data, signature, payload) => (await ES256.getVerifier(payload.cnf.jwk))(data, signature),
    statusListFetcher: async (uri) => {
      if (!(uri in status_lists)) throw new Error(`no status list for ${uri}`)
      return status_lists[uri]
    },
  })
  const result = await sdjwt.verify(presentation, { keyBindingNonce: nonce })
  const claims = await sdjwt.getClaims(presentation)
  return { header: result.header, claims, kb: result.kb.payload, kb_header: result.kb.header }
}

async function present({ issuer_jwk, x5c, holder_jwk, claims, disclose, aud, nonce }) {
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    signer: await ES256.getSigner(issuer_jwk),
    signAlg: ES256.alg,
    kbSigner: await ES256.getSigner(holder_jwk),
    kbSignAlg: ES256.alg,
  })
  const issuance = await sdjwt.issue(claims, frame(claims, true), { header: { x5c } })
  const presentationFrame = Object.fromEntries(disclose.map((name) => [name, everything(claims[name])]))
  const presentation = await sdjwt.present(issuance, presentationFrame, {
    kb: { payload: { iat: Math.floor(Date.now() / 1000), aud, nonce } },
  })
  return { presentation }
}

const COMMANDS = { verify, present }
let input = ''
for await (const chunk of process.stdin) input += chunk
const request = JSON.parse(input)
try {
  const result = await COMMANDS[request.cmd](request)
  process.stdout.write(JSON.stringify({ ok: true, ...result }))
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.message || error) }))
}
