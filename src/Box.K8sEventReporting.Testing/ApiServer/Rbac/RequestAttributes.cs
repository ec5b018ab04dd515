namespace Box.K8sEventReporting.Testing.ApiServer;

/// <summary>Who is asking: a user name and its groups.</summary>
internal sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    public const string MastersGroup = "system:masters";
    public const string AuthenticatedGroup = "system:authenticated";

    /// <summary>The identity of a request without credentials: the test's admin, allowed everything.</summary>
    public static readonly UserInfo Admin = new("system:admin", [MastersGroup, AuthenticatedGroup]);

    public bool IsAdmin => Groups.Contains(MastersGroup);
}

/// <summary>
/// What a request asks for, as the real API server's RequestInfoFactory sees it: the verb, API group, resource,
/// subresource, namespace and name for a resource request, or the path for a non-resource request.
/// </summary>
internal sealed record RequestAttributes(
    UserInfo User,
    bool IsResourceRequest,
    string Verb,
    string ApiGroup,
    string Resource,
    string Subresource,
    string Namespace,
    string Name,
    string Path)
{
    private static readonly HashSet<string> NamespaceSubresources = new(StringComparer.Ordinal) { "status", "finalize" };

    /// <summary>Parses a request like k8s.io/apiserver's RequestInfoFactory (without the deprecated /watch/ and /proxy/ prefixes).</summary>
    public static RequestAttributes Parse(UserInfo user, string method, string path, IReadOnlyDictionary<string, string> query)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var nonResource = new RequestAttributes(user, false, method.ToLowerInvariant(), string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, path);
        int rest;
        string group;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            (group, rest) = (string.Empty, 2);
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            (group, rest) = (parts[1], 3);
        }
        else
        {
            return nonResource;
        }

        var current = parts[rest..];
        var verb = method switch
        {
            "POST" => "create",
            "GET" or "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => string.Empty,
        };
        var ns = string.Empty;
        if (current[0] == "namespaces" && current.Length > 1)
        {
            ns = current[1];
            if (current.Length > 2 && !NamespaceSubresources.Contains(current[2]))
            {
                current = current[2..];
            }
        }

        var resource = current[0];
        var name = current.Length >= 2 ? current[1] : string.Empty;
        var subresource = current.Length >= 3 ? current[2] : string.Empty;
        var watch = query.TryGetValue("watch", out var w) && (w == "true" || w == "1");
        if (name.Length == 0 && verb == "get")
        {
            verb = watch ? "watch" : "list";

            // A list or watch selecting exactly one name is authorized against that name (resourceNames rules apply).
            if (query.TryGetValue("fieldSelector", out var selector) && ExactName(selector) is { } selected)
            {
                name = selected;
            }
        }

        if (name.Length == 0 && verb == "delete")
        {
            verb = "deletecollection";
        }

        return new RequestAttributes(user, true, verb, group, resource, subresource, ns, name, path);
    }

    private static string? ExactName(string selector)
    {
        string? name = null;
        foreach (var term in selector.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var t = term.Trim();
            var op = t.Contains("!=", StringComparison.Ordinal) ? "!=" : t.Contains("==", StringComparison.Ordinal) ? "==" : "=";
            var at = t.IndexOf(op, StringComparison.Ordinal);
            if (at > 0 && t[..at].Trim() == "metadata.name" && op != "!=")
            {
                name = t[(at + op.Length)..].Trim();
            }
        }

        return string.IsNullOrEmpty(name) || name.Contains('/', StringComparison.Ordinal) || name is "." or ".." ? null : name;
    }
}
