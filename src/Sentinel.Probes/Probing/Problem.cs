namespace Sentinel.Probes.Probing;

/// <summary>
/// One classified reason a check failed or is degraded: the layer where it happened, a stable category
/// (see <see cref="FailureCategories"/>), what was seen, and a hint a person can act on.
/// </summary>
/// <param name="Layer">Where it happened: <c>dns</c>, <c>tcp</c>, <c>tls</c>, <c>http</c>, <c>assertion</c>, <c>probe</c>, …</param>
/// <param name="Category">A stable category such as <c>tcp_refused</c>; dashboards and alerts key on it.</param>
/// <param name="Message">What was seen, naming the target and values.</param>
/// <param name="Hint">What to look at next, in one line.</param>
/// <param name="Severity">Whether the problem makes the result down or only degraded.</param>
public sealed record Problem(string Layer, string Category, string Message, string Hint, ProblemSeverity Severity = ProblemSeverity.Error);
