using System.Text;

namespace Sentinel.Probes.Checks;

/// <summary>Builds the JSON paths that errors name: <c>$.a.b</c>, <c>$.a[0]</c>, <c>$.labels['odd key']</c>.</summary>
internal static class JsonPath
{
    public const string Root = "$";

    public static string Member(string parent, string name)
    {
        var plain = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_' || name[0] == '$');
        foreach (var c in name)
        {
            plain &= char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$';
        }

        if (plain)
        {
            return parent + "." + name;
        }

        var sb = new StringBuilder(parent).Append("['");
        foreach (var c in name)
        {
            if (c is '\'' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(char.IsControl(c) ? '?' : c);
        }

        return sb.Append("']").ToString();
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";
}
