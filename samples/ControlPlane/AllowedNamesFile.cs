using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ControlPlane;

/// <summary>
/// Loads <see cref="AllowedNamesOptions.Names"/> from the AllowedNames file, reloads it when the file changes
/// (a mounted ConfigMap is swapped atomically, so the file is polled), and refuses to start without names.
/// </summary>
internal sealed class AllowedNamesFile(IConfiguration configuration) :
    IPostConfigureOptions<AllowedNamesOptions>,
    IOptionsChangeTokenSource<AllowedNamesOptions>,
    IValidateOptions<AllowedNamesOptions>,
    IDisposable
{
    private PhysicalFileProvider? _files;

    public string? Name => Options.DefaultName;

    private string FullPath => Path.GetFullPath(
        configuration.GetSection(AllowedNamesOptions.Section)[nameof(AllowedNamesOptions.AllowedNamesPath)] ?? "allowedNames",
        AppContext.BaseDirectory);

    public void PostConfigure(string? name, AllowedNamesOptions options)
    {
        options.AllowedNamesPath = FullPath;
        options.Names = File.Exists(FullPath)
            ? File.ReadAllLines(FullPath)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Distinct(StringComparer.Ordinal)
                .ToArray()
            : [];
    }

    public IChangeToken GetChangeToken()
    {
        _files ??= Directory.Exists(Path.GetDirectoryName(FullPath))
            ? new PhysicalFileProvider(Path.GetDirectoryName(FullPath)!) { UsePollingFileWatcher = true, UseActivePolling = true }
            : null;
        return _files?.Watch(Path.GetFileName(FullPath)) ?? NullChangeToken.Singleton;
    }

    public void Dispose() => _files?.Dispose();

    public ValidateOptionsResult Validate(string? name, AllowedNamesOptions options) =>
        options.Names.Count > 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"AllowedNames file '{options.AllowedNamesPath}' {(File.Exists(options.AllowedNamesPath) ? "is empty" : Directory.Exists(options.AllowedNamesPath) ? "is a directory" : "does not exist")}: " +
                "it must be a file that lists the allowed service names, one per line (set ControlPlane:AllowedNamesPath).");
}

internal static class AllowedNamesServiceCollectionExtensions
{
    /// <summary>Binds <see cref="AllowedNamesOptions"/> to the AllowedNames file, reloaded on change and checked at start.</summary>
    public static IServiceCollection AddAllowedNamesFile(this IServiceCollection services)
    {
        services.AddSingleton<AllowedNamesFile>();
        services.AddSingleton<IPostConfigureOptions<AllowedNamesOptions>>(sp => sp.GetRequiredService<AllowedNamesFile>());
        services.AddSingleton<IOptionsChangeTokenSource<AllowedNamesOptions>>(sp => sp.GetRequiredService<AllowedNamesFile>());
        services.AddSingleton<IValidateOptions<AllowedNamesOptions>>(sp => sp.GetRequiredService<AllowedNamesFile>());
        services.AddOptions<AllowedNamesOptions>().BindConfiguration(AllowedNamesOptions.Section).ValidateOnStart();
        return services;
    }
}
