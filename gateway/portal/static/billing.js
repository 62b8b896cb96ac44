// The balance and "pay part of it" (docs/billing.md). The balance is a request of its own (a variant of
// BillingSummary in docs/operations/billing.graphql) rather than part of the dashboard's: `billing` and
// `balance` are non-null, so an error there would null the whole patient and blank the dashboard. When it
// fails, this card says so and the rest of the page works as before.
import { gql, newest, newKey, SessionEnded } from './api.js';

const ticket = newest();

const BALANCE = `query PortalBalance($patientId: ID!) { patient(id: $patientId) { billing {
  balance { owed { value currency } pending { value } payable { value currency } } viewerMayPay } } }`;
const PAY = `mutation MakePayment($patientId: ID!, $amount: MoneyInput!, $paymentToken: String!, $key: String!) {
  makePayment(patientId: $patientId, amount: $amount, paymentToken: $paymentToken, idempotencyKey: $key) {
    __typename ... on PaymentDeclined { reason } ... on PaymentPending { message } ... on Problem { message } } }`;
// A real page gets the token from its card processor's own form (card data never reaches the gateway). In
// development the gateway uses the test processor, whose cards are these tokens (docs/billing.md).
const TEST_CARDS = [
  ['tok_test_success', 'Test card: charged'],
  ['tok_test_declined', 'Test card: declined'],
];

function line(text, attributes = {}) {
  const p = document.createElement('p');
  p.textContent = text;
  for (const [name, value] of Object.entries(attributes)) p.setAttribute(name, value);
  return p;
}

/**
 * Show the balance of `patientId` in `container`; `run` wraps the user's actions (app.js's `guarded`), `said`
 * is the outcome of the payment just made.
 */
export async function mountBilling(container, patientId, run, said = '') {
  const current = ticket();
  let billing;
  try {
    billing = (await gql(BALANCE, { patientId })).patient.billing;
  } catch (error) {
    if (error instanceof SessionEnded) throw error; // the page signs out
    if (!current()) return;
    container.replaceChildren(line('Your balance cannot be shown right now. Please try again later or call the office.'));
    container.dataset.billing = 'error';
    return;
  }
  if (!current()) return; // another family member's balance was asked for since: never offer to pay this one
  const { owed, pending, payable } = billing.balance;
  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: owed.currency });
  const shown = line(' due', { id: 'balance-owed' });
  shown.prepend(Object.assign(document.createElement('span'), { className: 'big', textContent: money.format(Number(owed.value)) }));
  container.replaceChildren(shown);
  container.dataset.billing = 'shown';
  if (Number(pending.value) > 0) {
    container.append(line(`${money.format(Number(pending.value))} of it is being processed.`, { class: 'muted' }));
  }
  if (billing.viewerMayPay && Number(payable.value) > 0) {
    container.append(payForm(container, patientId, payable, money, run));
  } else {
    container.append(line('', { id: 'pay-status', role: 'status' }));
  }
  container.querySelector('#pay-status').textContent = said;
}

function payForm(container, patientId, payable, money, run) {
  const form = document.createElement('form');
  form.id = 'pay-form';
  form.innerHTML = '<label for="pay-amount">Amount to pay now</label><input id="pay-amount" inputmode="decimal" required>' +
    '<label for="pay-card">Card</label><select id="pay-card"></select><button type="submit">Pay</button>' +
    '<p id="pay-status" role="status" aria-live="polite"></p>';
  const card = form.querySelector('#pay-card');
  for (const [token, label] of TEST_CARDS) card.append(new Option(label, token));
  const status = form.querySelector('#pay-status');
  // One key per payment: a retry after a lost answer reuses it (never a second charge); a change starts anew.
  let key = null;
  form.addEventListener('input', () => { key = null; });
  form.addEventListener('submit', (event) => run(async () => {
    event.preventDefault();
    const value = form.querySelector('#pay-amount').value.trim();
    if (!/^\d+(\.\d{1,2})?$/.test(value) || !(Number(value) > 0) || Number(value) > Number(payable.value)) {
      status.textContent = `Enter an amount above 0 and at most ${money.format(Number(payable.value))}.`;
      return;
    }
    key = key || newKey();
    let result;
    try {
      const amount = { value: Number(value).toFixed(2), currency: payable.currency };
      result = (await gql(PAY, { patientId, amount, paymentToken: card.value, key })).makePayment;
    } catch (error) {
      if (error instanceof SessionEnded) throw error;
      status.textContent = 'The payment could not be confirmed. Press Pay again: you will not be charged twice.';
      return;
    }
    key = null;
    if (result.__typename === 'PaymentSucceeded' || result.__typename === 'PaymentPending') {
      // The new balance (a pending payment counts already).
      const thanks = result.message || `Thank you: ${money.format(Number(value))} paid.`;
      await mountBilling(container, patientId, run, thanks);
    } else {
      status.textContent = result.__typename === 'PaymentDeclined'
        ? 'The card was declined; nothing was charged.'
        : result.message || 'The payment could not be made.';
    }
  }));
  return form;
}
