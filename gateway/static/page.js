// The browser client: images -> 28 x 28 gray levels -> POST /challenge -> solve in Web Workers
// -> POST /labels with the nonce, the images and the solve time.
const CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"];
const WORKERS = navigator.hardwareConcurrency || 1;
const $ = (id) => document.getElementById(id);
let images = [];      // Uint8Array(784) each
let workers = [];
window.powsim = { last: null, error: null };

$("cores").textContent = WORKERS;

function status(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function grayscale(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 28;
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0, 28, 28);
  const rgba = context.getImageData(0, 0, 28, 28).data;
  const gray = new Uint8Array(784);
  for (let i = 0; i < 784; i++) {
    const level = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
    gray[i] = $("invert").checked ? 255 - level : level;
  }
  $("thumbs").appendChild(canvas);
  return gray;
}

async function add(files) {
  for (const file of files) {
    try { images.push(await grayscale(file)); } catch (err) { status(`${file.name}: not an image`, true); }
  }
  $("go").disabled = images.length === 0;
  status(`${images.length} image(s) ready.`);
}

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                       body: JSON.stringify(body) });
  const data = await response.json();
  if (!response.ok) throw new Error(`${path}: ${data.error}`);
  return data;
}

function stop() {
  workers.forEach((worker) => worker.terminate());
  workers = [];
  $("cancel").disabled = true;
  $("go").disabled = images.length === 0;
}

function solve(challenge) {
  // Resolves with {nonce, hashes, seconds}; rejects when cancelled.
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const expected = 2 ** challenge.bits;
    const counts = new Array(WORKERS).fill(0);
    $("cancel").onclick = () => { stop(); reject(new Error("cancelled")); };
    for (let i = 0; i < WORKERS; i++) {
      const worker = new Worker("/static/worker.js");
      worker.onmessage = (event) => {
        counts[i] = event.data.hashes;
        const hashes = counts.reduce((a, b) => a + b, 0);
        const seconds = (performance.now() - started) / 1000;
        $("progress").value = Math.min(hashes / expected, 1);
        status(`Solving ${challenge.bits} bits: ${hashes} hashes (${expected} expected), ` +
               `${Math.round(hashes / Math.max(seconds, 1e-3))} H/s`);
        if (event.data.found !== undefined) {
          stop();
          resolve({ nonce: event.data.found, hashes, seconds });
        }
      };
      worker.postMessage({ challenge: challenge.challenge, bits: challenge.bits, start: i, stride: WORKERS });
      workers.push(worker);
    }
  });
}

async function run() {
  $("go").disabled = true;
  $("cancel").disabled = false;
  $("labels").innerHTML = "";
  const account = $("account").value;
  try {
    const challenge = await post("/challenge", { account, queries: images.length });
    const solution = await solve(challenge);
    const pixels = new Uint8Array(784 * images.length);
    images.forEach((image, i) => pixels.set(image, 784 * i));
    const answer = await post("/labels", {
      account, challenge: challenge.challenge, nonce: solution.nonce.toString(16).padStart(16, "0"),
      images: { dtype: "uint8", shape: [images.length, 28, 28], data: base64(pixels) },
      solve_s: solution.seconds });
    const rate = solution.hashes / solution.seconds;
    window.powsim.last = { bits: challenge.bits, solve_s: solution.seconds, hashes: solution.hashes,
                           rate_hz: rate, workers: WORKERS, labels: answer.labels, cost: answer.batch_cost };
    $("labels").innerHTML = "<tr><th>image</th><th>label</th><th>privacy cost (eps)</th></tr>" +
      answer.labels.map((label, i) => `<tr><td>${i + 1}</td><td class="label">${CLASSES[label]}</td>` +
                                      `<td>${answer.cost[i].toFixed(3)}</td></tr>`).join("");
    status(`Solved ${challenge.bits} bits in ${solution.seconds.toFixed(3)} s ` +
           `(${solution.hashes} hashes, ${Math.round(rate)} H/s on ${WORKERS} workers); ` +
           `account cost now ${answer.ledger.cost.toFixed(3)} eps over ${answer.ledger.queries} queries.`);
    images = [];
    $("thumbs").innerHTML = "";
  } catch (err) {
    window.powsim.error = err.message;
    status(err.message, true);
  } finally {
    stop();
  }
}

$("files").onchange = (event) => add(event.target.files);
$("drop").ondragover = (event) => { event.preventDefault(); $("drop").className = "over"; };
$("drop").ondragleave = () => { $("drop").className = ""; };
$("drop").ondrop = (event) => { event.preventDefault(); $("drop").className = ""; add(event.dataTransfer.files); };
$("go").onclick = run;
