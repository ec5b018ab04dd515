using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane;

internal static class ControlPlaneHost
{
    /// <summary>Runs the host; bad configuration ends it with one clear line and exit code 1, not a stack trace.</summary>
    public static async Task<int> RunAsync(IHost host)
    {
        using (host)
        {
            if (!TryValidateOptions(host))
            {
                return 1;
            }

            try
            {
                await host.RunAsync();
            }
            catch (OptionsValidationException e)
            {
                await Console.Error.WriteLineAsync($"controlplane: cannot start: {string.Join(" ", e.Failures)}");
                return 1;
            }
        }

        return Environment.ExitCode;
    }

    /// <summary>Validates every option before the host starts, so bad configuration is one line, not a logged stack trace.</summary>
    public static bool TryValidateOptions(IHost host)
    {
        try
        {
            host.Services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (OptionsValidationException e)
        {
            Console.Error.WriteLine($"controlplane: cannot start: {string.Join(" ", e.Failures)}");
            return false;
        }
    }
}
