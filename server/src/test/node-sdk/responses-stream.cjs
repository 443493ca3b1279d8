// The official `openai` npm SDK against Sluice's /v1/responses (run by OpenAiNodeSdkTest):
//   node responses-stream.cjs <baseURL> <folder holding node_modules/openai>
// Prints one JSON line of what the SDK read; any error exits non-zero.
const { createRequire } = require('node:module');
const path = require('node:path');

const [baseURL, folder] = process.argv.slice(2);
const { OpenAI } = createRequire(path.join(folder, 'package.json'))('openai');

(async () => {
  const client = new OpenAI({ apiKey: 'sk-not-used-by-sim', baseURL, maxRetries: 0 });
  const deltas = [];
  const stream = client.responses.stream({ model: 'sim/echo', input: 'streamed by the node sdk' });
  stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
  const streamed = await stream.finalResponse();
  const whole = await client.responses.create({ model: 'sim/echo', input: 'one whole answer' });
  let refusal = null;
  try {
    await client.responses.create({ model: 'sim/echo', input: 'x', previous_response_id: 'resp_1' });
  } catch (e) {
    refusal = { status: e.status, param: e.param };
  }
  console.log(JSON.stringify({
    deltas: deltas.join(''),
    streamedText: streamed.output_text,
    streamedStatus: streamed.status,
    wholeText: whole.output_text,
    refusal,
  }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
