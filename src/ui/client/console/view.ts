import { html, LitElement } from 'lit';
import { describeError } from '../shared/api.js';
import { theme } from '../shared/theme.js';
import type { Session } from './session.js';

/** A console view: the session, a message line, and `run` to report an action's outcome there. */
export abstract class ConsoleView extends LitElement {
  static override properties = { session: { attribute: false }, notice: { state: true } };
  declare session: Session;
  declare notice: { ok: boolean; text: string } | undefined;
  static override styles = [theme];

  protected async run<T>(action: () => Promise<T>, success?: (result: T) => string): Promise<T | undefined> {
    try {
      const result = await action();
      if (success) this.notice = { ok: true, text: success(result) };
      return result;
    } catch (error) {
      this.notice = { ok: false, text: describeError(error) };
      return undefined;
    }
  }

  protected renderNotice() {
    return this.notice
      ? html`<p role=${this.notice.ok ? 'status' : 'alert'} class="notice ${this.notice.ok ? 'ok' : 'error'}">${this.notice.text}</p>`
      : '';
  }
}
