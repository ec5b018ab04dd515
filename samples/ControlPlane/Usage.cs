namespace ControlPlane;

/// <summary>What <c>--help</c> prints: how to run the control plane and the settings it reads.</summary>
internal static class Usage
{
    public const string Text = """
        controlplane: watches Pki resources (pkis.box.com/v1), provisions a Secret for each valid one, and reports every
        error as Kubernetes Events on the stuck pods, on the Pki, and in its Ready condition.

        Usage: controlplane [--embedded [--verbose]] [--Setting=value ...]

          --embedded   run the whole scenario against an in-process API server and print what kubectl would show
          --verbose    with --embedded: also print the control plane's log lines (stderr), not only warnings
          --help, -h   print this and exit

        Cluster: the pod's service account, or KUBECONFIG, or ~/.kube/config.

        Settings (appsettings.json, environment variables with __ for :, or --Setting=value):
          ControlPlane:AllowedNamesPath                  the AllowedNames file, one service name per line (default: allowedNames)
          K8sEventReporting:Controller:Workers           concurrent reconciles, 1-64 (default: 2)
          K8sEventReporting:Controller:RevalidationInterval
                                                         how often invalid Pkis are reported again (default: 00:05:00)
          K8sEventReporting:Watcher:Namespaces:0         watch only these namespaces (default: all)
          K8sEventReporting:LeaderElection:Enabled       true to run several replicas, one leading (default: false)
          K8sEventReporting:Health:Enabled, :Port        /readyz and /livez (default here: true, 8081)
          K8sEventReporting:Admission:Mode               Warn (kubectl apply shows a warning) or Deny (refused) (default: Warn)
          K8sEventReporting:Admission:Port               the admission webhook's HTTPS port (default here: 8443)
          K8sEventReporting:Admission:Url                outside the cluster: the webhook's clientConfig.url, for example
                                                         https://127.0.0.1:8443/validate-box-com-v1-pki (default: the Service)
          K8sEventReporting:Admission:WebhookConfigurationName
                                                         the ValidatingWebhookConfiguration given the CA bundle (default here: box-controlplane)
          Logging:LogLevel:Default                       Information, Warning, ... (default here: Information)

        Every setting is checked at start; a bad one stops the control plane with one line naming it and exit code 1,
        an unknown one under K8sEventReporting gets a warning naming the closest known one, an unknown flag exit code 2.
        """;
}
