// localConfig.cjs for the W3C VC test suites: one implementation, Insignia,
// at the `insignia serve` that serve-for-suites.sh started (INSIGNIA_URL,
// INSIGNIA_TOKEN: an API token of scope issue; INSIGNIA_ISSUER_DID).
const base = process.env.INSIGNIA_URL;
const headers = {Authorization: `Bearer ${process.env.INSIGNIA_TOKEN}`};
const tags = (process.env.INSIGNIA_TAGS || 'eddsa-rdfc-2022').split(',');
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'Insignia',
    implementation: 'Insignia',
    issuers: [{
      id: process.env.INSIGNIA_ISSUER_DID,
      endpoint: `${base}/credentials/issue`,
      headers,
      supports: {vc: ['1.1', '2.0']},
      supportedEcdsaKeyTypes: ['P-256'],
      tags
    }],
    verifiers: [{
      id: `${base}/verifier`,
      endpoint: `${base}/credentials/verify`,
      supportedEcdsaKeyTypes: ['P-256'],
      tags
    }],
    vpVerifiers: [{
      id: `${base}/verifier`,
      endpoint: `${base}/presentations/verify`,
      tags
    }]
  }]
};
