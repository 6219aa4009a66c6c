class InvalidDecision extends Error {
  name = "InvalidDecision";
}

// Record the manager's decision, which this example takes from the input.
export const handler = async (event) => {
  const decision = event.decision;
  if (decision !== "approve" && decision !== "reject") {
    throw new InvalidDecision(`decision must be "approve" or "reject", not ${JSON.stringify(decision)}`);
  }
  return { ...event, approved: decision === "approve" };
};
