#!/usr/bin/env node
// Verifies credentials signed by `insignia sign` with independent
// implementations:
//
//   - Data Integrity (eddsa-rdfc-2022, ecdsa-rdfc-2019): @digitalbazaar/vc
//     verifyCredential + @digitalbazaar/data-integrity and the two
//     cryptosuites, canonicalizing with jsonld.js / rdf-canonize over
//     Insignia's vendored contexts; did:key resolved from the DID itself.
//   - VC-JWT (EdDSA, ES256): jose compactVerify with the key from the
//     header's did:key `kid`, then jwtVerify for the time and issuer claims,
//     and the Open Badges 3.0 §8.2 claim mapping (iss/jti/sub/nbf/exp).
//
// Every file is also tampered with (its `name` changed) and the tampered copy
// must be REJECTED, for the signature's reason, so that a verifier that
// accepted everything could not make this pass.
//
// Usage: node verify-ours.mjs [--diagnose DIR] FILE...
// Exit status: 0 when every check passed, 1 otherwise.

import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {basename, join} from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import jsonld from 'jsonld';
import * as jose from 'jose';

import {
  Results, claimProblems, contextsUsed, describeError, documentLoader,
  issuerId, parseDidKeyUrl, publicJwkFromDidKey, tamperJwt, tamperName
} from './lib/common.mjs';

const CRYPTOSUITES = {
  'eddsa-rdfc-2022': eddsaRdfc2022,
  'ecdsa-rdfc-2019': ecdsaRdfc2019
};
const JWS_ALGORITHMS = {EdDSA: 'Ed25519', ES256: 'P-256'};

const args = process.argv.slice(2);
let diagnoseDir;
if(args[0] === '--diagnose') {
  diagnoseDir = args[1];
  args.splice(0, 2);
}
if(args.length === 0) {
  console.error('usage: node verify-ours.mjs [--diagnose DIR] FILE...');
  process.exit(2);
}

const results = new Results('verify-ours');

for(const file of args) {
  const text = readFileSync(file, 'utf8').trim();
  const label = basename(file);
  const isJson = text.startsWith('{');
  let format = 'VC-JWT';
  let parsed;
  if(isJson) {
    parsed = JSON.parse(text);
    format = `DataIntegrityProof/${[].concat(parsed.proof ?? [])[0]?.cryptosuite}`;
  } else {
    try {
      format = `VC-JWT/${jose.decodeProtectedHeader(text).alg}`;
    } catch{}
  }
  const c = results.begin(`${label} [${format}]`);
  try {
    if(isJson) {
      await checkDataIntegrity(c, label, parsed);
    } else {
      await checkJwt(c, text);
    }
  } catch(error) {
    c.fail('harness error', describeError(error));
  }
  c.end();
}

console.log('contexts served from crates/ld/contexts: ' +
  [...contextsUsed].join(', '));
results.finish();

// ---------------------------------------------------------------------------

async function verifyDi(credential) {
  const proofs = [].concat(credential.proof ?? []);
  if(proofs.length !== 1) {
    throw new Error(`expected one proof, found ${proofs.length}`);
  }
  const [proof] = proofs;
  const cryptosuite = CRYPTOSUITES[proof.cryptosuite];
  if(proof.type !== 'DataIntegrityProof' || !cryptosuite) {
    throw new Error(
      `unexpected proof ${proof.type}/${proof.cryptosuite}; expected ` +
      `DataIntegrityProof with ${Object.keys(CRYPTOSUITES).join(' or ')}`);
  }
  const suite = new DataIntegrityProof({cryptosuite});
  return vc.verifyCredential({credential, suite, documentLoader});
}

function verifyError(result) {
  return describeError(result.error ?? result.results?.[0]?.error);
}

async function checkDataIntegrity(c, label, credential) {
  const vm = [].concat(credential.proof)[0].verificationMethod;
  const {did} = parseDidKeyUrl(vm);
  if(!c.check('issuer id is the signing key\'s did:key',
    issuerId(credential) === did,
    `issuer ${issuerId(credential)} vs verificationMethod ${vm}`)) {
    return;
  }

  const result = await verifyDi(credential);
  const ok = c.check('@digitalbazaar/vc verifyCredential accepts it',
    result.verified === true, verifyError(result),
    `verificationMethod ${vm}`);
  if(!ok && diagnoseDir) {
    await diagnose(label, credential);
  }

  const tampered = await verifyDi(tamperName(credential));
  const why = verifyError(tampered);
  c.check('tampered copy (name changed) is rejected for its signature',
    tampered.verified === false && /Invalid signature/.test(why),
    tampered.verified ?
      'the tampered credential VERIFIED' :
      `rejected, but not for its signature: ${why}`,
    why);
}

/**
 * Writes what jsonld.js makes of the document, for comparison with
 * Insignia's canonical N-Quads: the canonical N-Quads of the unsecured
 * document and of the proof configuration, and whether safe mode objects.
 */
async function diagnose(label, credential) {
  mkdirSync(diagnoseDir, {recursive: true});
  const {proof, ...unsecured} = credential;
  const {proofValue: _v, ...config} = proof;
  config['@context'] = credential['@context'];
  const options = {algorithm: 'RDFC-1.0', format: 'application/n-quads',
    documentLoader, base: null, rdfDirection: 'i18n-datatype'};
  for(const [what, doc] of [['document', unsecured], ['proof-config', config]]) {
    const out = join(diagnoseDir, `${label}.${what}.nq`);
    try {
      writeFileSync(out, await jsonld.canonize(doc, {...options, safe: true}));
      console.log(`  diagnosis: canonical ${what} (safe mode) in ${out}`);
    } catch(error) {
      console.log(`  diagnosis: safe-mode canonize of ${what} fails: ` +
        describeError(error));
      writeFileSync(out, await jsonld.canonize(doc, {...options, safe: false}));
      console.log(`  diagnosis: canonical ${what} (unsafe mode) in ${out}`);
    }
  }
}

async function checkJwt(c, token) {
  const header = jose.decodeProtectedHeader(token);
  const curve = JWS_ALGORITHMS[header.alg];
  if(!c.check('header has alg EdDSA/ES256, typ JWT and a kid',
    curve && typeof header.kid === 'string' && header.typ === 'JWT',
    `unexpected header ${JSON.stringify(header)}`)) {
    return;
  }
  const {did, fragment} = parseDidKeyUrl(header.kid);
  const jwk = await publicJwkFromDidKey(header.kid);
  if(!c.check('kid is a did:key verification method whose key fits alg',
    fragment !== undefined && jwk.crv === curve,
    `kid ${header.kid} holds a ${jwk.crv} key, alg is ${header.alg}`,
    header.kid)) {
    return;
  }
  const key = await jose.importJWK(jwk, header.alg);
  const verifyOptions = {algorithms: [header.alg]};

  let payload;
  try {
    const verified = await jose.compactVerify(token, key, verifyOptions);
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
    c.pass('jose.compactVerify accepts the signature');
  } catch(error) {
    c.fail('jose.compactVerify accepts the signature', describeError(error));
    return;
  }

  const problems = claimProblems(payload);
  if(payload.iss !== did) {
    problems.push(`iss ${payload.iss} is not the kid's DID ${did}`);
  }
  c.check('OB 3.0 §8.2 claims iss/jti/sub/nbf/exp match the credential',
    problems.length === 0, problems.join('; '),
    ['iss', 'jti', 'sub', 'nbf', 'exp'].filter(n => n in payload)
      .map(n => `${n}=${payload[n]}`).join(' '));

  try {
    // the JWT library's own judgement of typ, iss and the time claims, now
    await jose.jwtVerify(token, key, {...verifyOptions, issuer: did, typ: 'JWT'});
    c.pass('jose.jwtVerify accepts typ, iss, nbf and exp');
  } catch(error) {
    c.fail('jose.jwtVerify accepts typ, iss, nbf and exp', describeError(error));
  }

  try {
    await jose.compactVerify(tamperJwt(token), key, verifyOptions);
    c.fail('tampered copy (name changed) is rejected for its signature',
      'the tampered token VERIFIED');
  } catch(error) {
    c.check('tampered copy (name changed) is rejected for its signature',
      error instanceof jose.errors.JWSSignatureVerificationFailed,
      `rejected, but not for its signature: ${describeError(error)}`,
      describeError(error));
  }
}
