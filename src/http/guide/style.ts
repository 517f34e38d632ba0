/** The guide page's own stylesheet (/assets/guide/guide.css), on top of Monban's: commands, responses, diagram. */
export const GUIDE_STYLESHEET = `
[hidden] { display: none !important; }
/* Commands keep their lines (they scroll sideways on a phone); the link and the responses wrap anywhere. */
.guide pre { margin: .5rem 0; padding: .75rem; border: 1px solid var(--border); border-radius: .3rem;
  font: .85rem/1.45 ui-monospace, monospace; white-space: pre; overflow-x: auto; overflow-wrap: normal; }
.guide pre.wrap, .guide .response pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.guide label.scope { flex-wrap: wrap; }
.guide label.scope code { white-space: nowrap; }
.guide label.scope .hint { flex: 1 1 10rem; margin: 0; }
.guide pre code { font: inherit; }
.guide .command { display: flex; align-items: flex-start; gap: .5rem; }
.guide .command pre { flex: 1; min-width: 0; }
.guide .command button.copy { margin: .5rem 0 0; }
.guide figure.diagram { margin: 0; }
.guide figure.diagram pre { white-space: pre; overflow-x: auto; overflow-wrap: normal; font-size: .72rem; border: 0;
  padding: 0; }
.guide .live { margin-top: 1rem; padding-top: .25rem; border-top: 1px dashed var(--border); }
.guide .live button { margin-bottom: .5rem; }
.guide .response pre { max-height: 28rem; overflow: auto; }
.guide .response-title { margin: .5rem 0 0; font-weight: 600; }
.guide .notice a { font-weight: 600; }
#guide_settings button { margin-top: .25rem; }
@media (max-width: 30rem) {
  .guide .command { flex-direction: column; align-items: stretch; gap: 0; }
  .guide .command button.copy { align-self: flex-start; margin: 0 0 .5rem; }
}
`;
