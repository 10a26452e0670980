// Seed 002's (Calldock's) receiver-side verification, as the seed document gives it, token for
// token; only the export at the end is ours. It hashes JSON.stringify of the parsed body, so it
// accepts Ringback's post-call webhooks only if the body is exactly that compact JSON.
const crypto = require('crypto');

function verifyWebhook(payload, signature, webhookSecret) {
  const expectedSignature = crypto
    .createHmac('sha256', webhookSecret)
    .update(JSON.stringify(payload))
    .digest('hex');
  return signature === expectedSignature;
}

module.exports = { verifyWebhook };
