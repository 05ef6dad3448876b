// Poll a video operation the way the SDK's README does, until it is done.
export async function finished(ai, operation) {
  while (!operation.done) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    operation = await ai.operations.getVideosOperation({ operation });
  }
  return operation;
}
