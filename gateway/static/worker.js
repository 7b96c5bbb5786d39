// One solver of a HashCash challenge: SHA-256(challenge || nonce) with `bits` leading zero
// bits, nonce 8 bytes big-endian. Worker i of w tries nonces i, i + w, i + 2w, ... so the
// workers never hash the same nonce. WebCrypto digests are asynchronous: a round of ROUND
// digests is started at once and awaited together, which keeps the browser's hashing busy.
const ROUND = 256;

function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
  return bytes;
}

function leadingZeros(digest, bits) {
  const bytes = new Uint8Array(digest);
  const whole = bits >> 3, rest = bits & 7;
  for (let i = 0; i < whole; i++) if (bytes[i] !== 0) return false;
  return rest === 0 || (bytes[whole] >> (8 - rest)) === 0;
}

self.onmessage = async (event) => {
  const { challenge, bits, start, stride } = event.data;
  const prefix = fromHex(challenge);
  let nonce = start, hashes = 0;
  for (;;) {
    const messages = [], nonces = [];
    for (let i = 0; i < ROUND; i++, nonce += stride) {
      const message = new Uint8Array(prefix.length + 8);
      message.set(prefix);
      new DataView(message.buffer).setBigUint64(prefix.length, BigInt(nonce), false);
      messages.push(crypto.subtle.digest("SHA-256", message));
      nonces.push(nonce);
    }
    const digests = await Promise.all(messages);
    hashes += ROUND;
    const hit = digests.findIndex((digest) => leadingZeros(digest, bits));
    if (hit >= 0) {
      self.postMessage({ found: nonces[hit], hashes });
      return;
    }
    self.postMessage({ hashes });
  }
};
