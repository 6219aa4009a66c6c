// Build the message the employee receives about the outcome of the request.
export const handler = async (event) => {
  const { request, outcome } = event;
  const resource = request.resource;
  let message;
  if (outcome === "provisioned") {
    message = `Your request for ${resource} was approved. Resource id: ${request.provisioned.resource_id}.`;
  } else if (outcome === "rejected") {
    message = `Your request for ${resource} was rejected.`;
  } else {
    message = `Your request for ${resource} was approved, but provisioning failed.`;
  }
  return { to: request.employee, outcome, message };
};
