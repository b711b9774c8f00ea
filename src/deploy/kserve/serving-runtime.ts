// `ood deploy kserve --runtime ood --image REF`: a ServingRuntime (serving.kserve.io/v1alpha1) for the ood server
// image of `ood image`, and an InferenceService that uses it. The model is inside the image, so the predictor
// has no storageUri. Probes follow the Open Inference Protocol's health routes: readiness /v2/health/ready,
// liveness /v2/health/live, on the port start_server.sh serves (8080).
import { OodError } from '../../errors.js';
import { parseReference } from '../../registry/reference.js';

export interface ServingRuntimeOptions {
  name: string;
  namespace?: string;
  image: string;
  cpu: string;
  memory: string;
  labels?: Record<string, string>;
}

const probe = (path: string, initialDelaySeconds: number) => ({
  httpGet: { path, port: 8080 },
  initialDelaySeconds,
  periodSeconds: 10,
  timeoutSeconds: 5,
});

/** The ServingRuntime running the ood image (as user 65532, no privilege escalation, all capabilities dropped). */
export function buildServingRuntime(options: ServingRuntimeOptions): Record<string, unknown> {
  const ref = (() => {
    try {
      return parseReference(options.image);
    } catch {
      return undefined;
    }
  })();
  if (!ref?.host)
    throw new OodError('KSERVE_BAD_IMAGE', `--image ${options.image} is not an image in a registry`, {
      hint: 'Pass the reference `ood image` pushed, e.g. --image registry.example.com/models/digits-server:1.0.0.',
    });
  return {
    apiVersion: 'serving.kserve.io/v1alpha1',
    kind: 'ServingRuntime',
    metadata: {
      name: options.name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.labels ? { labels: options.labels } : {}),
    },
    spec: {
      supportedModelFormats: [{ name: 'onnx', version: '1', autoSelect: false }],
      protocolVersions: ['v2', 'v1'],
      containers: [
        {
          name: 'kserve-container',
          image: options.image,
          ports: [{ containerPort: 8080, name: 'http1', protocol: 'TCP' }],
          readinessProbe: probe('/v2/health/ready', 2),
          livenessProbe: probe('/v2/health/live', 10),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          },
          resources: {
            requests: { cpu: options.cpu, memory: options.memory },
            limits: { cpu: options.cpu, memory: options.memory },
          },
        },
      ],
    },
  };
}
