// How a frontend uses the generated types; tsc checks that they still fit (tests/codegen/test_codegen.py).
import type {
  DashboardQuery,
  MakePaymentMutation,
  MedicationsQuery,
  RequestRefillMutation,
  SignInMutation,
  TrendQuery,
} from './generated/portal';

export function nextVisit(data: DashboardQuery): string | null {
  const first = data.patient?.appointments.nodes[0];
  return first?.start ?? null;
}

export function unread(data: DashboardQuery): number {
  return data.patient?.unreadMessageCount ?? 0;
}

export function signedIn(data: SignInMutation): boolean {
  return data.signIn.__typename === 'SignedIn';
}

export function systolic(data: TrendQuery): Array<string | null | undefined> {
  const points = data.patient?.observationTrend.points ?? [];
  return points.map((point) => point.components[0]?.value?.value);
}

export function balanceDue(data: DashboardQuery): string | null {
  return data.patient?.billing.balance.owed.value ?? null;
}

export function paymentOutcome(data: MakePaymentMutation): string {
  const result = data.makePayment;
  switch (result.__typename) {
    case 'PaymentSucceeded':
      return `paid ${result.payment.amount.value}`;
    case 'PaymentPending':
      return result.message;
    case 'PaymentDeclined':
      return `declined: ${result.reason}`;
    default:
      return 'message' in result ? result.message : 'not paid';
  }
}

export function renewable(data: MedicationsQuery): string[] {
  return (data.patient?.medications.nodes ?? []).filter((m) => m.renewable).map((m) => m.id);
}

export function refillRequested(data: RequestRefillMutation): string | null {
  return data.requestRefill.__typename === 'RefillRequested' ? data.requestRefill.id : null;
}
