class InvalidRequest extends Error {
  name = "InvalidRequest";
}

// Turn the input into a request for the manager, passing the decision along.
export const handler = async (event) => {
  const { employee, resource } = event ?? {};
  if (typeof employee !== "string" || typeof resource !== "string") {
    throw new InvalidRequest('the input needs "employee" and "resource" strings');
  }
  return {
    request_id: `${employee}/${resource}`,
    employee,
    resource,
    decision: event.decision ?? null,
    simulate_outage: Boolean(event.simulate_outage),
  };
};
