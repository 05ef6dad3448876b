// @google/genai 3.x in Vertex AI mode: an OAuth2Client whose access token is the openreel key,
// generate, poll, and the video inline as base64 bytes. Prints a JSON summary on the last line.
// Usage: node vertex_roundtrip.mjs BASE_URL KEY OUT_DIR
import { writeFile } from "node:fs/promises";
import { finished } from "./finish.mjs";
import { GoogleGenAI } from "genai3";
import { OAuth2Client } from "google-auth-library";

const [baseUrl, apiKey, outDir] = process.argv.slice(2);
const authClient = new OAuth2Client();
authClient.setCredentials({ access_token: apiKey, expiry_date: Date.now() + 3600 * 1000 });
const ai = new GoogleGenAI({
  vertexai: true, project: "my-proj", location: "us-central1",
  googleAuthOptions: { authClient }, httpOptions: { baseUrl },
});

let operation = await ai.models.generateVideos({
  model: "veo-3.0-generate-001",
  source: { prompt: "Heavy rain on a city street at night" },
  config: { numberOfVideos: 1, durationSeconds: 4, aspectRatio: "9:16", resolution: "720p", generateAudio: true },
});
const created = operation.name;
operation = await finished(ai, operation);
const saved = [];
for (const [index, generated] of (operation.response?.generatedVideos ?? []).entries()) {
  const path = `${outDir}/js_vertex_${index}.mp4`;
  await writeFile(path, Buffer.from(generated.video.videoBytes, "base64"));
  saved.push({ path, mimeType: generated.video.mimeType });
}
console.log(JSON.stringify({ created, error: operation.error ?? null, videos: saved }));
