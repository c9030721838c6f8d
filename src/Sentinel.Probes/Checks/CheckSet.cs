namespace Sentinel.Probes.Checks;

/// <summary>Rules over several checks together: ids are unique within a document and across documents.</summary>
public static class CheckSet
{
    /// <summary>
    /// Marks every document that defines an id an earlier document already defined as invalid, naming both
    /// places. Documents are taken in the order given (the loader sorts files by path).
    /// </summary>
    public static IReadOnlyList<CheckDocument> RejectDuplicateIds(IReadOnlyList<CheckDocument> documents)
    {
        var seen = new Dictionary<string, (string Source, int? Line)>(StringComparer.Ordinal);
        var result = new List<CheckDocument>(documents.Count);
        foreach (var document in documents)
        {
            var errors = new List<CheckError>();
            foreach (var check in document.Checks)
            {
                if (seen.TryGetValue(check.Definition.Id, out var first))
                {
                    errors.Add(new CheckError(document.Source, check.Line, JsonPath.Member(check.Path, "id"),
                        $"duplicate id \"{check.Definition.Id}\": already defined in {first.Source}{(first.Line is { } l ? $":{l}" : "")}"));
                }
            }

            if (errors.Count > 0)
            {
                result.Add(document with { Checks = [], Errors = errors });
                continue;
            }

            foreach (var check in document.Checks)
            {
                seen[check.Definition.Id] = (document.Source, check.Line);
            }

            result.Add(document);
        }

        return result;
    }

    internal static void ReportDuplicates(List<ParsedCheck> checks, CheckReadContext context)
    {
        var seen = new Dictionary<string, ParsedCheck>(StringComparer.Ordinal);
        foreach (var check in checks)
        {
            if (!seen.TryAdd(check.Definition.Id, check))
            {
                var first = seen[check.Definition.Id];
                context.Error(JsonPath.Member(check.Path, "id"),
                    $"duplicate id \"{check.Definition.Id}\": already defined at {first.Path}{(first.Line is { } l ? $" (line {l})" : "")}");
            }
        }
    }
}
