// Return a greeting for event.name, or for the world when there is no name.
export const handler = async (event) => {
  const name = typeof event?.name === "string" ? event.name : "world";
  return { greeting: `Hello, ${name}!` };
};
