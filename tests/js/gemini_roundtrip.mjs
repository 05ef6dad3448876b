// @google/genai 2.x in Gemini-API mode, unmodified SDK calls with only baseUrl and the key changed:
// generate, poll, files.download. Prints a JSON summary on the last line.
// Usage: node gemini_roundtrip.mjs BASE_URL KEY OUT_DIR
import { finished } from "./finish.mjs";
import { GoogleGenAI } from "genai2";

const [baseUrl, apiKey, outDir] = process.argv.slice(2);
const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });

let operation = await ai.models.generateVideos({
  model: "veo-3.0-generate-001",
  source: { prompt: "A serene mountain lake at dawn, mist rising over still water" },
  config: { numberOfVideos: 1, durationSeconds: 4, aspectRatio: "16:9", resolution: "720p" },
});
const created = operation.name;
operation = await finished(ai, operation);
const saved = [];
for (const [index, generated] of (operation.response?.generatedVideos ?? []).entries()) {
  const path = `${outDir}/js_gemini_${index}.mp4`;
  await ai.files.download({ file: generated.video, downloadPath: path });
  saved.push({ path, uri: generated.video.uri });
}
console.log(JSON.stringify({ created, error: operation.error ?? null, videos: saved }));
