using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sentinel.Probes.Checks;

/// <summary>Reads and validates one check object into a <see cref="CheckDefinition"/>.</summary>
internal static partial class CheckReader
{
    private static readonly Dictionary<string, IpVersion> IpVersions = new(StringComparer.Ordinal)
    {
        ["any"] = IpVersion.Any,
        ["ipv4"] = IpVersion.V4,
        ["ipv6"] = IpVersion.V6,
    };

    /// <summary>Reads the check at <paramref name="path"/>; null when it has errors, which are in <paramref name="context"/>.</summary>
    public static CheckDefinition? Read(JsonElement element, string path, CheckReadContext context, CheckTypes types)
    {
        var errorsBefore = context.Errors.Count;
        var r = JsonObjectReader.Open(element, path, context);
        if (r is null)
        {
            return null;
        }

        // Editors put "$schema" in files to validate them against check.schema.json.
        r.String("$schema", maxLength: 2048);

        var id = r.String("id", required: true, maxLength: 64);
        if (id is not null && !IdPattern().IsMatch(id))
        {
            r.Error("id", $"must be a slug of lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, got \"{id}\"");
        }

        var name = r.String("name", maxLength: 200);
        var description = r.String("description", maxLength: 2000);
        var typeName = r.String("type", required: true, maxLength: 32);
        var type = typeName is null ? null : types.Find(typeName);
        if (typeName is not null && type is null)
        {
            r.Error("type", $"unknown type \"{typeName}\"; expected one of: {string.Join(", ", types.Types.Select(t => t.Name))}");
        }

        var target = r.String("target", required: true, maxLength: 2048);
        var targetError = target is null ? null : type?.ValidateTarget(target);
        if (targetError is not null)
        {
            r.Error("target", targetError);
        }

        var interval = r.Duration("interval", CheckLimits.MinInterval, CheckLimits.MaxInterval);
        var timeout = r.Duration("timeout", CheckLimits.MinTimeout, CheckLimits.MaxTimeout);
        var effectiveInterval = interval ?? CheckLimits.DefaultInterval;
        if (timeout is { } t && t >= effectiveInterval)
        {
            r.Error("timeout", $"must be below the interval ({Duration.Format(effectiveInterval)}) so that runs cannot overlap, got \"{Duration.Format(t)}\"");
        }

        var enabled = r.Boolean("enabled");
        var labels = ReadLabels(r);
        var resolver = r.String("resolver", maxLength: 64);
        if (resolver is not null && !ResolverAddress.TryParse(resolver, out _, out var resolverError))
        {
            r.Error("resolver", resolverError);
        }

        var ipVersion = r.Choice("ipVersion", IpVersions);
        if (type is { ResolvesTargetHost: false })
        {
            if (resolver is not null)
            {
                r.Error("resolver", $"not used by type \"{type.Name}\"; its own section says which servers to ask");
            }

            if (ipVersion is not null)
            {
                r.Error("ipVersion", $"not used by type \"{type.Name}\"");
            }
        }

        // Each type's settings live in the member named after it; a section of another type is a mistake.
        CheckSection? section = null;
        foreach (var other in types.Types)
        {
            if (other != type && r.Has(other.Name) && type is not null)
            {
                r.Error(other.Name, $"this section belongs to type \"{other.Name}\", but the check's type is \"{type.Name}\"");
            }
        }

        if (type is not null)
        {
            section = type.ReadSection(r.Object(type.Name));
        }

        var assertions = AssertionReader.Read(r, type);
        var alert = AlertRuleReader.Read(r, context);
        r.Complete();
        if (type is null || target is null || targetError is not null)
        {
            return null;
        }

        var definition = new CheckDefinition
        {
            Id = id ?? string.Empty,
            Name = name ?? id ?? string.Empty,
            Type = type.Name,
            Target = target!,
            Interval = effectiveInterval,
            Timeout = timeout ?? CheckLimits.DefaultTimeoutFor(effectiveInterval),
            Enabled = enabled ?? true,
            Description = description,
            Labels = labels ?? new Dictionary<string, string>(),
            Resolver = resolver,
            IpVersion = ipVersion ?? IpVersion.Any,
            Section = section,
            Assertions = assertions,
            Alert = alert,
        };

        // Rules across fields run whenever the type, target and section could be read, so that their errors are
        // reported together with the others rather than only once those are fixed.
        foreach (var (errorPath, message) in section is null ? [] : type.ValidateCheck?.Invoke(definition, r.Path) ?? [])
        {
            r.ErrorAt(errorPath, message);
        }

        return context.Errors.Count > errorsBefore ? null : definition;
    }

    private static Dictionary<string, string>? ReadLabels(JsonObjectReader r)
    {
        if (r.StringMap("labels", CheckLimits.MaxLabels, 256) is not { } labels)
        {
            return null;
        }

        foreach (var key in labels.Keys)
        {
            // Labels may become Prometheus labels; reserved "__" names and invalid names would break scrapes.
            if (!LabelPattern().IsMatch(key) || key.StartsWith("__", StringComparison.Ordinal))
            {
                r.ErrorAt(JsonPath.Member(JsonPath.Member(r.Path, "labels"), key),
                    "label names must match [a-zA-Z_][a-zA-Z0-9_]* and not start with \"__\"");
            }
        }

        return new Dictionary<string, string>(labels, StringComparer.Ordinal);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();
}
