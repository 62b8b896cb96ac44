// The reference portal page: every call is one GraphQL operation of docs/operations (or a small variant).
import { gql, newest, newKey, SessionEnded, whenActive } from './api.js';
import { IdleTimer } from './session.js';
import { drawTrend } from './chart.js';
import { mountBilling } from './billing.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 60_000;
const state = { patients: [], patientId: null, timer: null, challenge: null, poll: null };
const patientTicket = newest();
const trendTicket = newest();

const SIGN_IN = `mutation SignIn($username: String!, $password: String!) {
  signIn(username: $username, password: $password) {
    __typename ... on TwoFactorRequired { challengeToken } ... on Locked { until } ... on Problem { message } } }`;
const SECOND_FACTOR = `mutation CompleteTwoFactor($challengeToken: String!, $code: String!) {
  completeTwoFactor(challengeToken: $challengeToken, code: $code) { __typename ... on Problem { message } } }`;
const ME = `query Me { viewer { account { username } session { expiresAt idleTimeoutSeconds }
  patients { accessLevel relationshipDisplay capabilities patient { id name { given family } } } } }`;
const DASHBOARD = `query Dashboard($patientId: ID!) { patient(id: $patientId) {
  id name { given family }
  appointments(when: UPCOMING, first: 3) { nodes { id status start clinician { practitioner { name { family } } } } }
  results(first: 3) { nodes { id issued preliminary code { text coding { display } } } }
  unreadMessageCount } }`;
const STATUS = `query SessionStatus($patientId: ID!) { viewer { session { expiresAt } }
  patient(id: $patientId) { unreadMessageCount } }`;
const TREND = `query Trend($patientId: ID!, $code: String!) { patient(id: $patientId) {
  observationTrend(code: $code) { code unit pointCount name { text coding { display } }
    points { time value { value unit } referenceRange { low { value } high { value } }
      components { code { text coding { display } } value { value unit } } } } } }`;
const SLOTS = `query FreeSlots($from: DateTime!, $to: DateTime!) {
  availableSlots(from: $from, to: $to, first: 6) {
    nodes { id start clinician { name { family } } clinic { name } } } }`;
const BOOK = `mutation BookAppointment($patientId: ID!, $slotId: ID!, $reason: String, $key: String!) {
  bookAppointment(patientId: $patientId, slotId: $slotId, reason: $reason, idempotencyKey: $key) {
    __typename ... on AppointmentBooked { appointment { id start } } ... on Problem { message } } }`;
const RECIPIENTS = `query Recipients($patientId: ID!) { patient(id: $patientId) { messageRecipients { kind id name } } }`;
const SEND = `mutation SendMessage($patientId: ID!, $recipient: MessageRecipientInput!, $topic: String!,
  $text: String!, $key: String!) {
  sendMessage(patientId: $patientId, recipient: $recipient, topic: $topic, text: $text, idempotencyKey: $key) {
    __typename ... on MessageSent { expectedReplyBy urgentCareNotice } ... on Problem { message } } }`;
const EXTEND = 'mutation ExtendSession { extendSession { expiresAt } }';
const SIGN_OUT = 'mutation SignOut { signOut { __typename } }';

const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
const fullName = (names) => {
  const name = names && names[0];
  return name ? [...(name.given || []), name.family].filter(Boolean).join(' ') : 'Unnamed';
};
const concept = (c) => (c && (c.text || (c.coding && c.coding[0] && c.coding[0].display))) || 'Result';

function show(view) {
  for (const id of ['signin-view', 'app-view']) $(id).hidden = id !== view;
  $('who').hidden = view !== 'app-view';
}

function notice(text) {
  $('notice').textContent = text;
}

function list(element, items, empty) {
  element.replaceChildren();
  if (!items.length) items = [empty];
  for (const text of items) {
    const li = document.createElement('li');
    li.textContent = text;
    element.append(li);
  }
}

/** Run an action of the user's; a session that ended meanwhile signs the page out. */
async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SessionEnded) {
      signedOut('Your session has ended. Please sign in again.');
      return null;
    }
    notice(`Something went wrong: ${error.message}`);
    return null;
  }
}

// ---- sign-in, two-step verification, sign-out ----

async function signIn(event) {
  event.preventDefault();
  $('signin-error').textContent = '';
  const reply = await gql(SIGN_IN, { username: $('username').value, password: $('password').value });
  const result = reply.signIn;
  if (result.__typename === 'SignedIn') return enter();
  if (result.__typename === 'TwoFactorRequired') {
    state.challenge = result.challengeToken;
    $('signin-form').hidden = true;
    $('code-form').hidden = false;
    $('code').focus();
    return undefined;
  }
  $('signin-error').textContent = result.message || 'Sign-in failed.';
  return undefined;
}

async function secondFactor(event) {
  event.preventDefault();
  $('code-error').textContent = '';
  const reply = await gql(SECOND_FACTOR, { challengeToken: state.challenge, code: $('code').value.trim() });
  const result = reply.completeTwoFactor;
  if (result.__typename === 'SignedIn') return enter();
  $('code-error').textContent = result.message || 'That code did not work.';
  return undefined;
}

async function signOut(message) {
  try {
    await gql(SIGN_OUT); // ends the session on the server and clears the cookie (needs no live session)
  } catch (error) {
    // Signed out on this page either way.
  }
  signedOut(message);
}

function signedOut(message) {
  if (state.timer) state.timer.stop();
  clearInterval(state.poll);
  $('idle-warning').hidden = true;
  state.challenge = null;
  $('signin-form').hidden = false;
  $('code-form').hidden = true;
  $('password').value = '';
  $('code').value = '';
  show('signin-view');
  notice(message || 'You are signed out.');
  $('username').focus();
}

// ---- the signed-in page ----

async function enter() {
  const me = await gql(ME);
  state.patients = me.viewer.patients.filter((p) => p.patient);
  state.timer = new IdleTimer({
    idleSeconds: me.viewer.session.idleTimeoutSeconds,
    onWarn: (seconds) => {
      $('idle-seconds').textContent = String(seconds);
      $('idle-warning').hidden = false;
      $('stay-signed-in').focus();
    },
    onTick: (seconds) => { $('idle-seconds').textContent = String(seconds); },
    onExpire: () => signOut('You were signed out after a while without activity, to protect your privacy.'),
  });
  whenActive(() => state.timer && state.timer.touch());
  state.timer.touch();
  const select = $('patient-select');
  select.replaceChildren();
  for (const access of state.patients) {
    const option = document.createElement('option');
    option.value = access.patient.id;
    const who = access.accessLevel === 'SELF' ? 'you' : access.relationshipDisplay || 'family member';
    option.textContent = `${fullName(access.patient.name)} (${who})`;
    select.append(option);
  }
  state.patientId = state.patients[0].patient.id;
  select.value = state.patientId;
  notice('');
  show('app-view');
  await loadPatient();
  // Not while the idle warning is up: it holds the focus until answered.
  if ($('idle-warning').hidden) $('app-title').focus();
  clearInterval(state.poll);
  state.poll = setInterval(poll, POLL_MS);
}

function access() {
  return state.patients.find((p) => p.patient.id === state.patientId);
}

async function loadPatient() {
  const current = patientTicket();
  const data = await gql(DASHBOARD, { patientId: state.patientId });
  if (!current()) return; // the viewer chose another family member meanwhile
  const patient = data.patient;
  $('app-title').textContent = access().accessLevel === 'SELF'
    ? `Welcome, ${fullName(patient.name)}`
    : `${fullName(patient.name)}'s record`;
  list($('appointments-list'), patient.appointments.nodes.map((a) => {
    const doctor = a.clinician ? ` with Dr. ${a.clinician.practitioner.name[0].family}` : '';
    const status = a.status.toLowerCase().replace('_', ' ');
    return a.start ? `${when(a.start)}${doctor} (${status})` : `Requested${doctor}`;
  }), 'No upcoming appointments.');
  list($('results-list'), patient.results.nodes.map((r) =>
    `${concept(r.code)}${r.preliminary ? ' (preliminary)' : ''}${r.issued ? `, ${when(r.issued)}` : ''}`),
  'No results yet.');
  $('unread-count').textContent = String(patient.unreadMessageCount);
  const capabilities = access().capabilities;
  $('book-card').hidden = !capabilities.includes('SCHEDULE');
  $('message-card').hidden = !capabilities.includes('MESSAGE');
  $('book-form').hidden = true;
  $('book-status').textContent = '';
  $('message-status').textContent = '';
  await Promise.all([
    loadTrend(),
    capabilities.includes('MESSAGE') ? loadRecipients() : null,
    mountBilling($('billing'), state.patientId, guarded),
  ]);
}

async function loadTrend() {
  const current = trendTicket();
  const data = await gql(TREND, { patientId: state.patientId, code: $('trend-code').value });
  if (current()) drawTrend($('trend-chart'), data.patient.observationTrend);
}

async function loadRecipients() {
  const data = await gql(RECIPIENTS, { patientId: state.patientId });
  const select = $('message-to');
  select.replaceChildren();
  for (const recipient of data.patient.messageRecipients) {
    const option = document.createElement('option');
    option.value = JSON.stringify(recipient.kind === 'POOL' ? { pool: recipient.id }
      : recipient.kind === 'CARE_TEAM' ? { careTeam: recipient.id } : { careTeamMember: recipient.id });
    option.textContent = recipient.name;
    select.append(option);
  }
}

// Background polling: the unread count stays current without keeping the session alive.
async function poll() {
  try {
    const data = await gql(STATUS, { patientId: state.patientId }, { background: true });
    $('unread-count').textContent = String(data.patient.unreadMessageCount);
  } catch (error) {
    if (error instanceof SessionEnded) signedOut('Your session has ended. Please sign in again.');
  }
}

// ---- booking and messaging ----

async function findSlots() {
  const from = new Date(Date.now() + 24 * 3600 * 1000);
  const to = new Date(from.getTime() + 14 * 24 * 3600 * 1000);
  const data = await gql(SLOTS, { from: from.toISOString(), to: to.toISOString() });
  const options = $('slot-options');
  options.replaceChildren();
  data.availableSlots.nodes.forEach((slot, i) => {
    const label = document.createElement('label');
    const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'slot', value: slot.id });
    if (i === 0) input.checked = true;
    const doctor = slot.clinician ? `Dr. ${slot.clinician.name[0].family}` : 'any clinician';
    label.append(input, ` ${when(slot.start)}, ${doctor}${slot.clinic ? `, ${slot.clinic.name}` : ''}`);
    options.append(label);
  });
  $('book-form').hidden = data.availableSlots.nodes.length === 0;
  $('book-status').textContent = data.availableSlots.nodes.length ? '' : 'No free times in the next two weeks.';
}

async function book(event) {
  event.preventDefault();
  const slot = document.querySelector('input[name="slot"]:checked');
  if (!slot) return;
  const reply = await gql(BOOK, {
    patientId: state.patientId, slotId: slot.value, reason: $('book-reason').value || null, key: newKey(),
  });
  const result = reply.bookAppointment;
  if (result.__typename === 'AppointmentBooked') {
    $('book-form').hidden = true;
    await loadPatient();
    $('book-status').textContent = `Booked: ${when(result.appointment.start)}.`;
  } else {
    $('book-status').textContent = result.message || 'That time could not be booked.';
  }
}

async function send(event) {
  event.preventDefault();
  const reply = await gql(SEND, {
    patientId: state.patientId,
    recipient: JSON.parse($('message-to').value),
    topic: $('message-topic').value,
    text: $('message-text').value,
    key: newKey(),
  });
  const result = reply.sendMessage;
  if (result.__typename === 'MessageSent') {
    $('message-form').reset();
    const by = new Date(result.expectedReplyBy).toLocaleDateString([], { dateStyle: 'full' });
    $('message-status').textContent = `Sent. Expect a reply by ${by}. ${result.urgentCareNotice}`;
  } else {
    $('message-status').textContent = result.message || 'The message could not be sent.';
  }
}

// ---- wiring ----

$('signin-form').addEventListener('submit', (e) => guarded(() => signIn(e)));
$('code-form').addEventListener('submit', (e) => guarded(() => secondFactor(e)));
$('sign-out').addEventListener('click', () => signOut('You are signed out.'));
$('sign-out-now').addEventListener('click', () => signOut('You are signed out.'));
$('stay-signed-in').addEventListener('click', () => guarded(async () => {
  await gql(EXTEND);
  $('idle-warning').hidden = true;
  $('app-title').focus();
}));
$('patient-select').addEventListener('change', (e) => guarded(async () => {
  state.patientId = e.target.value;
  await loadPatient();
  notice(`Now viewing ${e.target.selectedOptions[0].textContent}.`);
}));
$('trend-code').addEventListener('change', () => guarded(loadTrend));
$('find-slots').addEventListener('click', () => guarded(findSlots));
$('book-form').addEventListener('submit', (e) => guarded(() => book(e)));
$('message-form').addEventListener('submit', (e) => guarded(() => send(e)));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('idle-warning').hidden) $('stay-signed-in').click();
});

// Signed in already (a reload)? Then straight to the page.
guarded(async () => {
  try {
    await enter();
  } catch (error) {
    if (!(error instanceof SessionEnded)) throw error;
    show('signin-view');
    $('username').focus();
  }
});
