using System.Globalization;
using System.Text.Json;

namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>A parse error of a label or field selector; answered as 400 BadRequest.</summary>
internal sealed class SelectorException(string message) : Exception(message);

/// <summary>A parsed label selector: equality (<c>=</c>, <c>==</c>, <c>!=</c>), set (<c>in</c>, <c>notin</c>) and existence (<c>key</c>, <c>!key</c>).</summary>
internal sealed class LabelSelector
{
    public static readonly LabelSelector Everything = new([]);

    private readonly List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) => this.requirements = requirements;

    private enum Op
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    public bool IsEmpty => requirements.Count == 0;

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var list = new List<Requirement>();
        foreach (var raw in SplitTopLevel(text))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                throw new SelectorException($"unable to parse requirement: found '', expected: identifier in '{text}'");
            }

            list.Add(ParseRequirement(term, text));
        }

        return new LabelSelector(list);
    }

    /// <summary>A <c>metav1.LabelSelector</c> object (matchLabels, matchExpressions with In, NotIn, Exists, DoesNotExist); null or empty selects everything.</summary>
    public static LabelSelector FromObject(System.Text.Json.Nodes.JsonObject? selector)
    {
        var list = new List<Requirement>();
        if (selector?["matchLabels"] is System.Text.Json.Nodes.JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                list.Add(new Requirement(key, Op.Equals, [value?.ToString() ?? string.Empty]));
            }
        }

        if (selector?["matchExpressions"] is System.Text.Json.Nodes.JsonArray expressions)
        {
            foreach (var e in expressions.OfType<System.Text.Json.Nodes.JsonObject>())
            {
                var values = (e["values"] as System.Text.Json.Nodes.JsonArray)?.Select(v => v?.ToString() ?? string.Empty).ToArray() ?? [];
                var op = e["operator"]?.ToString() switch
                {
                    "In" => Op.In,
                    "NotIn" => Op.NotIn,
                    "Exists" => Op.Exists,
                    "DoesNotExist" => Op.DoesNotExist,
                    var other => throw new SelectorException($"\"{other}\" is not a valid label selector operator"),
                };
                list.Add(new Requirement(e["key"]?.ToString() ?? string.Empty, op, values));
            }
        }

        return list.Count == 0 ? Everything : new LabelSelector(list);
    }

    public bool Matches(JsonElement obj)
    {
        if (requirements.Count == 0)
        {
            return true;
        }

        JsonElement labels = default;
        if (obj.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            labels = l;
        }

        foreach (var r in requirements)
        {
            string? value = labels.ValueKind == JsonValueKind.Object && labels.TryGetProperty(r.Key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var ok = r.Op switch
            {
                Op.Equals => value == r.Values[0],
                Op.NotEquals => value != r.Values[0],
                Op.In => value is not null && r.Values.Contains(value),
                Op.NotIn => value is null || !r.Values.Contains(value),
                Op.Exists => value is not null,
                _ => value is null,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static Requirement ParseRequirement(string term, string whole)
    {
        if (term.StartsWith('!'))
        {
            return new Requirement(CheckKey(term[1..].Trim(), whole), Op.DoesNotExist, []);
        }

        var space = term.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && term.EndsWith(')'))
        {
            var key = term[..space];
            var rest = term[space..].TrimStart();
            Op op;
            if (rest.StartsWith("in", StringComparison.Ordinal))
            {
                op = Op.In;
                rest = rest[2..].TrimStart();
            }
            else if (rest.StartsWith("notin", StringComparison.Ordinal))
            {
                op = Op.NotIn;
                rest = rest[5..].TrimStart();
            }
            else
            {
                throw new SelectorException($"unable to parse requirement: found '{rest}', expected: in, notin, =, ==, !=, gt, lt");
            }

            if (!rest.StartsWith('('))
            {
                throw new SelectorException($"unable to parse requirement: found '{rest}', expected: '('");
            }

            var values = rest[1..^1].Split(',').Select(v => v.Trim()).ToArray();
            return new Requirement(CheckKey(key, whole), op, values);
        }

        var idx = term.IndexOf("!=", StringComparison.Ordinal);
        if (idx > 0)
        {
            return new Requirement(CheckKey(term[..idx].Trim(), whole), Op.NotEquals, [term[(idx + 2)..].Trim()]);
        }

        idx = term.IndexOf("==", StringComparison.Ordinal);
        if (idx > 0)
        {
            return new Requirement(CheckKey(term[..idx].Trim(), whole), Op.Equals, [term[(idx + 2)..].Trim()]);
        }

        idx = term.IndexOf('=', StringComparison.Ordinal);
        if (idx > 0)
        {
            return new Requirement(CheckKey(term[..idx].Trim(), whole), Op.Equals, [term[(idx + 1)..].Trim()]);
        }

        return new Requirement(CheckKey(term, whole), Op.Exists, []);
    }

    private static string CheckKey(string key, string whole)
    {
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!' or ','))
        {
            throw new SelectorException($"unable to parse requirement: invalid label key \"{key}\" in '{whole}'");
        }

        return key;
    }

    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    private sealed record Requirement(string Key, Op Op, string[] Values);
}

/// <summary>A parsed field selector (<c>=</c>, <c>==</c>, <c>!=</c>) over the labels a resource supports.</summary>
internal sealed class FieldSelector
{
    public static readonly FieldSelector Everything = new([]);

    private readonly List<(string Field, bool Equal, string Value)> terms;

    private FieldSelector(List<(string Field, bool Equal, string Value)> terms) => this.terms = terms;

    public bool IsEmpty => terms.Count == 0;

    /// <summary>The value of <c>metadata.namespace</c> when the selector pins one (used for nothing but clarity).</summary>
    public static FieldSelector Parse(string? text, ApiResource resource)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var list = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            string field, value;
            bool equal;
            var idx = term.IndexOf("!=", StringComparison.Ordinal);
            if (idx > 0)
            {
                (field, equal, value) = (term[..idx], false, term[(idx + 2)..]);
            }
            else if ((idx = term.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                (field, equal, value) = (term[..idx], true, term[(idx + 2)..]);
            }
            else if ((idx = term.IndexOf('=', StringComparison.Ordinal)) > 0)
            {
                (field, equal, value) = (term[..idx], true, term[(idx + 1)..]);
            }
            else
            {
                throw new SelectorException($"invalid selector: '{text}'; can't understand '{term}'");
            }

            field = field.Trim();
            if (!resource.FieldLabels.Contains(field))
            {
                throw new SelectorException("field label not supported: " + field);
            }

            list.Add((field, equal, value.Trim()));
        }

        return new FieldSelector(list);
    }

    public bool Matches(JsonElement obj, ApiResource resource)
    {
        foreach (var (field, equal, value) in terms)
        {
            var actual = Extract(obj, field, resource.Flavor);
            if ((actual == value) != equal)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads a field label from the stored (core/v1 shaped) object, mapping events.k8s.io names.</summary>
    public static string Extract(JsonElement obj, string field, ResourceFlavor flavor)
    {
        var path = field;
        if (flavor == ResourceFlavor.EventsV1Event)
        {
            if (path.StartsWith("regarding.", StringComparison.Ordinal))
            {
                path = "involvedObject." + path["regarding.".Length..];
            }
            else if (path == "reportingController")
            {
                path = "reportingComponent";
            }
        }
        else if (flavor == ResourceFlavor.CoreEvent && path == "source")
        {
            path = "source.component";
        }

        var current = obj;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return string.Empty;
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString() ?? string.Empty,
            JsonValueKind.Number => current.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => string.Empty,
        };
    }

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
