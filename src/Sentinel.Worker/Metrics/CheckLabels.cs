using System.Text;
using Sentinel.Probes.Checks;

namespace Sentinel.Worker.Metrics;

/// <summary>
/// The labels that tell one check's series from another's, as blackbox_exporter's series carry them once Prometheus
/// has scraped them: <c>instance</c> (the target as written), <c>job</c> (the check id) and <c>type</c>. The check's
/// name and user labels go on its info series only (<see cref="InfoLabels"/>).
/// </summary>
internal static class CheckLabels
{
    /// <summary>Label names that user labels may not take on the info series: the identity labels, <c>name</c>, and <c>le</c> (histogram buckets).</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal) { "instance", "job", "type", "name", "le" };

    /// <summary>What a user label that collides with a reserved name is exported as, Prometheus' own rule for a scraped label that collides.</summary>
    public const string CollisionPrefix = "exported_";

    /// <summary>The identity labels of <paramref name="check"/>, <c>instance="…",job="…",type="…"</c>, as UTF-8.</summary>
    public static byte[] Identity(CheckDefinition check) => Encoding.UTF8.GetBytes(IdentityText(check));

    /// <summary>The identity labels as text.</summary>
    public static string IdentityText(CheckDefinition check) =>
        $"instance=\"{ExpositionBuffer.EscapeLabelValue(check.Target)}\",job=\"{ExpositionBuffer.EscapeLabelValue(check.Id)}\",type=\"{check.Type}\"";

    /// <summary>
    /// The info series' own labels: <c>name</c> (the check's name, its id by default) and the user labels in the order
    /// of their exported names. A user label named like a reserved one (<see cref="Reserved"/>), or starting with <c>__</c> (which the
    /// check format refuses already), is exported with <see cref="CollisionPrefix"/> in front, repeated until the
    /// name is free: <c>job</c> becomes <c>exported_job</c>, as Prometheus renames a scraped label that collides with
    /// a target label.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> InfoLabels(CheckDefinition check)
    {
        if (check.Labels.Count == 0)
        {
            return [("name", check.Name)];
        }

        var labels = new List<(string Name, string Value)>(check.Labels.Count + 1) { ("name", check.Name) };
        HashSet<string>? taken = null;
        foreach (var (key, value) in check.Labels)
        {
            var name = key;
            if (Collides(key))
            {
                taken ??= [.. Reserved, .. check.Labels.Keys.Where(k => !Collides(k))];
                do
                {
                    name = CollisionPrefix + name;
                }
                while (!taken.Add(name));
            }

            labels.Add((name, value));
        }

        // In the order of the names as exported: a renamed label sorts by its new name.
        labels.Sort(1, labels.Count - 1, Comparer<(string Name, string Value)>.Create((a, b) => string.CompareOrdinal(a.Name, b.Name)));
        return labels;
    }

    private static bool Collides(string name) => Reserved.Contains(name) || name.StartsWith("__", StringComparison.Ordinal);
}
