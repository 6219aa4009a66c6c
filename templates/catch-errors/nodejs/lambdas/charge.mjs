const LIMIT = 100;

// Thrown above the limit. Step Functions matches its name property, "PaymentDeclined", in Catch.
class PaymentDeclined extends Error {
  name = "PaymentDeclined";
}

// Charge event.amount, throwing PaymentDeclined above the limit.
export const handler = async (event) => {
  const amount = event?.amount;
  if (typeof amount !== "number") {
    throw new TypeError(`"amount" must be a number, not ${JSON.stringify(amount)}`);
  }
  if (amount > LIMIT) {
    throw new PaymentDeclined(`${amount} is over the limit of ${LIMIT}`);
  }
  return { status: "charged", amount };
};
