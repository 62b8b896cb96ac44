// The balance and "pay part of it": an isolated piece, because billing (issue 14) is built on another branch.
// It asks the schema (introspection, development) whether Patient has `billing` and Mutation `makePayment`;
// without them it says "not available" and the rest of the page works as before. With them it reads
// `patient { billing { balance } }` (a Money object with value/currency, or a plain Decimal) and pays with
// `makePayment(patientId, amount, idempotencyKey)`. When billing lands, check these names against its SDL
// (docs/operations/billing.graphql) and adjust BALANCE and PAY here: nothing else on the page depends on them.
import { gql, newKey } from './api.js';

const SUPPORT = `{ patient: __type(name: "Patient") { fields { name } }
  mutation: __type(name: "Mutation") { fields { name } }
  billing: __type(name: "Billing") { fields { name type { kind name ofType { kind name } } } } }`;
const PAY = `mutation PortalPay($patientId: ID!, $amount: Decimal!, $key: String!) {
  makePayment(patientId: $patientId, amount: $amount, idempotencyKey: $key) { __typename ... on Problem { message } } }`;

let support = null;

async function supported() {
  if (support === null) {
    try {
      const data = await gql(SUPPORT, {}, { background: true });
      const patient = (data.patient && data.patient.fields || []).map((f) => f.name);
      const mutation = (data.mutation && data.mutation.fields || []).map((f) => f.name);
      const balance = (data.billing && data.billing.fields || []).find((f) => f.name === 'balance');
      const kind = balance && (balance.type.ofType || balance.type).kind;
      support = patient.includes('billing') && balance
        ? { pay: mutation.includes('makePayment'), object: kind === 'OBJECT' }
        : false;
    } catch (error) {
      support = false;
    }
  }
  return support;
}

function text(container, message) {
  const p = document.createElement('p');
  p.textContent = message;
  container.replaceChildren(p);
}

export async function mountBilling(container, patientId, capabilities) {
  const can = await supported();
  if (!can) {
    text(container, 'Online bill payment is not available yet. Call the office about your balance.');
    container.dataset.billing = 'unavailable';
    return;
  }
  container.dataset.billing = 'available';
  const selection = can.object ? 'balance { value currency }' : 'balance';
  const data = await gql(`query PortalBalance($id: ID!) { patient(id: $id) { billing { ${selection} } } }`, { id: patientId });
  const raw = data.patient.billing.balance;
  const amount = can.object ? Number(raw.value) : Number(raw);
  const currency = can.object && raw.currency ? raw.currency : 'USD';
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const shown = document.createElement('p');
  shown.append(Object.assign(document.createElement('span'), { className: 'big', textContent: format.format(amount) }), ' due');
  container.replaceChildren(shown);
  if (!can.pay || !capabilities.includes('PAY') || amount <= 0) return;
  const form = document.createElement('form');
  form.id = 'pay-form';
  form.innerHTML = '<label for="pay-amount">Amount to pay now</label>' +
    '<input id="pay-amount" inputmode="decimal" required><button type="submit">Pay</button>' +
    '<p id="pay-status" role="status" aria-live="polite"></p>';
  container.append(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const status = form.querySelector('#pay-status');
    const value = Number(form.querySelector('#pay-amount').value);
    if (!(value > 0 && value <= amount)) {
      status.textContent = `Enter an amount above 0 and at most ${format.format(amount)}.`;
      return;
    }
    const paid = await gql(PAY, { patientId, amount: value.toFixed(2), key: newKey() });
    const result = paid.makePayment;
    status.textContent = result.message || `Thank you: ${format.format(value)} paid.`;
    if (!result.message) await mountBilling(container, patientId, capabilities);
  });
}
