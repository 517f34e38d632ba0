/** A clock tests can move forward. */
export class TestClock {
  constructor(private time = Date.UTC(2026, 10, 28, 12, 0, 0)) {}
  now = (): number => this.time;
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}
