// A failure worth retrying; the state machine's Retry names this error.
class ServiceUnavailable extends Error {
  name = "ServiceUnavailable";
}

// Fail while the attempt number is below input.failures_before_success.
export const handler = async (event) => {
  const attempt = event.attempt;
  const failures = event.input?.failures_before_success ?? 0;
  if (attempt < failures) {
    throw new ServiceUnavailable(`attempt ${attempt + 1} failed on purpose`);
  }
  return { attempts: attempt + 1, result: "ok" };
};
