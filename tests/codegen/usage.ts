// How a frontend uses the generated types; tsc checks that they still fit (tests/codegen/test_codegen.py).
import type { DashboardQuery, SignInMutation, TrendQuery } from './generated/portal';

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
