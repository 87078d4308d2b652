// Shared helpers for the interoperability scripts: an offline JSON-LD
// document loader serving Insignia's own vendored contexts, did:key
// resolution into Multikey verification methods, VC-JWT claim mapping
// (Open Badges 3.0 §8.2) and a tiny pass/fail recorder.
//
// Nothing here talks to the network: a context URL that Insignia does not
// vendor is an error, exactly as it is in `insignia verify`.

import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';

const here = dirname(fileURLToPath(import.meta.url));
/** The workspace root (interop/..). */
export const REPO_ROOT = resolve(here, '..', '..');
const LD_CRATE = join(REPO_ROOT, 'crates', 'ld');

export const DID_CONTEXT_V1 = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_CONTEXT_V1 = 'https://w3id.org/security/multikey/v1';

// ---------------------------------------------------------------------------
// Contexts: the URL -> file table is read from crates/ld/src/contexts.rs, the
// same table compiled into the insignia binary, so both sides always use the
// very same bytes for every context.
// ---------------------------------------------------------------------------

function loadContextTable() {
  const source = readFileSync(join(LD_CRATE, 'src', 'contexts.rs'), 'utf8');
  const entry = /entry!\(\s*"([^"]+)"\s*,\s*"([^"]+)"\s*,?\s*\)/g;
  const table = new Map();
  for(const [, url, file] of source.matchAll(entry)) {
    const text = readFileSync(join(LD_CRATE, 'contexts', file), 'utf8');
    table.set(url, {file, document: JSON.parse(text)});
  }
  if(table.size < 10) {
    throw new Error(
      `only ${table.size} contexts found in crates/ld/src/contexts.rs; ` +
      'has the entry! table changed shape?');
  }
  return table;
}

export const CONTEXTS = loadContextTable();

/** Context URLs the JS side actually loaded (for the report). */
export const contextsUsed = new Set();

// ---------------------------------------------------------------------------
// did:key
// ---------------------------------------------------------------------------

/** Which key type a did:key / multikey value holds, from its multicodec prefix. */
export function multikeyAlgorithm(publicKeyMultibase) {
  // ed25519-pub (0xed 0x01) + 32 bytes encodes as base58btc "z6Mk…";
  // p256-pub (0x80 0x24) + 33-byte compressed point encodes as "zDn…".
  if(publicKeyMultibase.startsWith('z6Mk')) {
    return 'Ed25519';
  }
  if(publicKeyMultibase.startsWith('zDn')) {
    return 'P-256';
  }
  throw new Error(`unsupported did:key key type: ${publicKeyMultibase}`);
}

/** Splits `did:key:X#Y` into its DID and key; the fragment must repeat X. */
export function parseDidKeyUrl(url) {
  const match = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)(?:#(.*))?$/.exec(url);
  if(!match) {
    throw new Error(`not a did:key URL: ${url}`);
  }
  const [, key, fragment] = match;
  if(fragment !== undefined && fragment !== key) {
    throw new Error(`did:key fragment #${fragment} does not name ${key}`);
  }
  return {did: `did:key:${key}`, key, fragment};
}

/** The Multikey verification method of a did:key. */
export function didKeyVerificationMethod(didOrUrl) {
  const {did, key} = parseDidKeyUrl(didOrUrl);
  multikeyAlgorithm(key);
  return {
    '@context': MULTIKEY_CONTEXT_V1,
    id: `${did}#${key}`,
    type: 'Multikey',
    controller: did,
    publicKeyMultibase: key
  };
}

/** The DID document of a did:key, listing its one key for assertions. */
export function didKeyDocument(didOrUrl) {
  const vm = didKeyVerificationMethod(didOrUrl);
  const {'@context': _ignored, ...method} = vm;
  return {
    '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
    id: vm.controller,
    verificationMethod: [method],
    authentication: [vm.id],
    assertionMethod: [vm.id],
    capabilityInvocation: [vm.id],
    capabilityDelegation: [vm.id]
  };
}

/** A multikey key pair interface (public only) for a did:key URL. */
export async function keyPairFromDidKey(didOrUrl) {
  const vm = didKeyVerificationMethod(didOrUrl);
  const lib = multikeyAlgorithm(vm.publicKeyMultibase) === 'Ed25519' ?
    Ed25519Multikey : EcdsaMultikey;
  return lib.from(vm);
}

/** The public JWK of a did:key, converted by the multikey libraries. */
export async function publicJwkFromDidKey(didOrUrl) {
  const vm = didKeyVerificationMethod(didOrUrl);
  const keyPair = await keyPairFromDidKey(didOrUrl);
  const lib = multikeyAlgorithm(vm.publicKeyMultibase) === 'Ed25519' ?
    Ed25519Multikey : EcdsaMultikey;
  const jwk = await lib.toJwk({keyPair});
  // WebCrypto adds "ext" and "key_ops"; keep the key material only.
  const {kty, crv, x, y} = jwk;
  return y === undefined ? {kty, crv, x} : {kty, crv, x, y};
}

// ---------------------------------------------------------------------------
// Document loader
// ---------------------------------------------------------------------------

/**
 * The JSON-LD document loader for jsonld.js / jsonld-signatures: vendored
 * contexts by exact URL, did:key documents and verification methods built
 * from the DID itself, and nothing else.
 */
export async function documentLoader(url) {
  const context = CONTEXTS.get(url);
  if(context) {
    contextsUsed.add(url);
    // a fresh copy each time: jsonld.js must never see a shared object mutated
    return {
      contextUrl: null,
      documentUrl: url,
      document: structuredClone(context.document)
    };
  }
  if(url.startsWith('did:key:')) {
    const {fragment} = parseDidKeyUrl(url);
    const document = fragment === undefined ?
      didKeyDocument(url) : didKeyVerificationMethod(url);
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(
    `document loader: refusing to load ${url} (not a vendored context or a ` +
    'did:key)');
}

// ---------------------------------------------------------------------------
// VC-JWT claims (Open Badges 3.0 §8.2, VC 2.0 payload = the credential)
// ---------------------------------------------------------------------------

const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

function seconds(dateTime) {
  const ms = Date.parse(dateTime);
  if(Number.isNaN(ms)) {
    throw new Error(`not a date-time: ${dateTime}`);
  }
  return Math.floor(ms / 1000);
}

export function issuerId(credential) {
  const {issuer} = credential;
  return typeof issuer === 'string' ? issuer : issuer?.id;
}

/**
 * The registered claims a VC-JWT of this credential must carry:
 * iss = issuer id, jti = id, sub = credentialSubject.id,
 * nbf = validFrom, exp = validUntil (each when the property exists).
 */
export function expectedClaims(credential) {
  const claims = {};
  const iss = issuerId(credential);
  if(iss !== undefined) {
    claims.iss = iss;
  }
  if(credential.id !== undefined) {
    claims.jti = credential.id;
  }
  const subjects = [].concat(credential.credentialSubject ?? []);
  if(subjects.length === 1 && subjects[0]?.id !== undefined) {
    claims.sub = subjects[0].id;
  }
  if(credential.validFrom !== undefined) {
    claims.nbf = seconds(credential.validFrom);
  }
  if(credential.validUntil !== undefined) {
    claims.exp = seconds(credential.validUntil);
  }
  return claims;
}

/** The credential inside a VC 2.0 VC-JWT payload (the payload minus claims). */
export function credentialOfPayload(payload) {
  const credential = {...payload};
  for(const claim of REGISTERED_CLAIMS) {
    delete credential[claim];
  }
  return credential;
}

/**
 * Problems with a VC-JWT payload's claims, as a list of messages (empty when
 * every claim is present exactly when its property is, with the same value).
 */
export function claimProblems(payload) {
  const problems = [];
  const credential = credentialOfPayload(payload);
  const first = [].concat(credential['@context'] ?? [])[0];
  if(first !== 'https://www.w3.org/ns/credentials/v2') {
    problems.push(`payload @context starts with ${first}, not VC 2.0`);
  }
  if('vc' in payload) {
    problems.push('payload has a VC 1.1 "vc" claim in a VC 2.0 VC-JWT');
  }
  const expected = expectedClaims(credential);
  for(const claim of ['iss', 'jti', 'sub', 'nbf', 'exp']) {
    const want = expected[claim];
    const got = payload[claim];
    if(want === undefined && got !== undefined) {
      problems.push(`unexpected "${claim}" claim ${JSON.stringify(got)}`);
    } else if(want !== undefined && got === undefined) {
      problems.push(`missing "${claim}" claim (expected ${JSON.stringify(want)})`);
    } else if(want !== got) {
      problems.push(
        `"${claim}" is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Tampering and results
// ---------------------------------------------------------------------------

/** A deep copy of a credential with its `name` changed. */
export function tamperName(credential) {
  const copy = structuredClone(credential);
  copy.name = `${copy.name} (tampered)`;
  return copy;
}

/**
 * A VC-JWT whose payload has `name` changed, header and signature kept:
 * a verifier that accepts it is not checking the signature.
 */
export function tamperJwt(token) {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const tampered = Buffer.from(JSON.stringify(tamperName(claims)), 'utf8')
    .toString('base64url');
  return `${header}.${tampered}.${signature}`;
}

/**
 * Records test cases. A case is one signed artifact (one credential in one
 * proof format); it passes when every one of its checks passes. Prints
 * `PASS <case>` or `FAIL <case>` followed by its checks, and at the end
 * `<prefix>: N passed, M failed` (the line run.sh adds up).
 */
export class Results {
  constructor(prefix) {
    this.prefix = prefix;
    this.passed = 0;
    this.failed = 0;
  }

  /** Starts a case; call `.check()` / `.pass()` / `.fail()`, then `.end()`. */
  begin(name) {
    const checks = [];
    const results = this;
    return {
      name,
      get ok() {
        return checks.length > 0 && checks.every(c => c.ok);
      },
      pass(label, detail) {
        checks.push({ok: true, label, detail});
        return true;
      },
      fail(label, why) {
        checks.push({ok: false, label, detail: why});
        return false;
      },
      check(label, ok, why, detail) {
        return ok ? this.pass(label, detail) : this.fail(label, why);
      },
      end() {
        const ok = this.ok;
        if(ok) {
          results.passed++;
        } else {
          results.failed++;
        }
        console.log(`${ok ? 'PASS' : 'FAIL'} ${results.prefix}: ${name}`);
        for(const c of checks) {
          console.log(`    ${c.ok ? 'ok  ' : 'FAIL'} ${c.label}` +
            (c.detail ? `: ${c.detail}` : ''));
        }
        return ok;
      }
    };
  }

  finish() {
    console.log(`${this.prefix}: ${this.passed} passed, ${this.failed} failed`);
    process.exitCode = this.failed === 0 ? 0 : 1;
  }
}

/** The message of an error, with its cause chain and nested errors. */
export function describeError(error) {
  if(!error) {
    return 'unknown error';
  }
  const parts = [];
  const seen = new Set();
  const walk = e => {
    if(!e || seen.has(e)) {
      return;
    }
    seen.add(e);
    if(Array.isArray(e)) {
      e.forEach(walk);
      return;
    }
    let message = e.message ?? String(e);
    // jsonld.js safe-mode errors name the offending term in details.event
    const event = e.details?.event;
    if(event?.code) {
      message += ` [${event.code}: ${event.message ?? ''} ` +
        `${JSON.stringify(event.details ?? {})}]`;
    }
    parts.push(message);
    walk(e.cause);
    if(e.errors) {
      walk(e.errors);
    }
    if(e.details?.error) {
      walk(e.details.error);
    }
  };
  walk(error);
  return parts.join(' <- ');
}
