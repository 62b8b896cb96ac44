// The idle timeout as the patient sees it: a warning one minute before the session would end, then sign-out.
// The gateway ends a session after `idleTimeoutSeconds` without a request of the user's (viewer.session);
// every such request starts the window again (`touch`), background polling does not.
export class IdleTimer {
  constructor({ idleSeconds, warnSeconds = 60, onWarn, onTick, onExpire }) {
    this.idle = idleSeconds * 1000;
    this.warn = Math.min(warnSeconds * 1000, this.idle);
    this.onWarn = onWarn;
    this.onTick = onTick;
    this.onExpire = onExpire;
    this.timers = [];
  }

  touch() {
    this.stop();
    this.deadline = Date.now() + this.idle;
    this.timers.push(setTimeout(() => this.warning(), this.idle - this.warn));
    this.timers.push(setTimeout(() => { this.stop(); this.onExpire(); }, this.idle));
  }

  warning() {
    this.onWarn(this.secondsLeft());
    this.ticker = setInterval(() => this.onTick(this.secondsLeft()), 1000);
  }

  secondsLeft() {
    return Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
  }

  stop() {
    this.timers.forEach(clearTimeout);
    this.timers = [];
    clearInterval(this.ticker);
  }
}
