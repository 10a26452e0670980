# Seed 002's (Calldock's) receiver-side verification in Python, as the seed document gives it,
# token for token (the document lost its line breaks; they are put back). It signs
# json.dumps(request.json): the body parsed and written again with Python's defaults.
import hmac
import hashlib
import json

def verify_webhook(payload, signature, webhook_secret):
    expected_signature = hmac.new(
        webhook_secret.encode('utf-8'),
        json.dumps(payload).encode('utf-8'),
        hashlib.sha256
    ).hexdigest()
    return signature == expected_signature

# Ours, not the seed's: Flask's request.json is json.loads of the body. Each line of stdin is a
# case {"body", "signature", "secret"}; the verdicts are printed as one JSON array.
if __name__ == "__main__":
    import sys
    cases = [json.loads(line) for line in sys.stdin if line.strip()]
    print(json.dumps([verify_webhook(json.loads(c["body"]), c["signature"], c["secret"]) for c in cases]))
