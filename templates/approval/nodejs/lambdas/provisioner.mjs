// The provisioning service is down; the state machine retries this error.
class ProvisioningUnavailable extends Error {
  name = "ProvisioningUnavailable";
}

// Create the resource, or fail as an outage would when the input sets simulate_outage.
export const handler = async (event) => {
  if (event.simulate_outage) {
    throw new ProvisioningUnavailable(`cannot provision ${event.resource} right now`);
  }
  const owner = event.employee.split("@")[0];
  return { resource_id: `${event.resource}-${owner}` };
};
