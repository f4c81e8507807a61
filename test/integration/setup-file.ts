import { inject } from 'vitest';

// Every adapter built from loadConfig() in this worker talks to the emulator.
process.env.AWS_ENDPOINT_URL = inject('emulatorEndpoint');
process.env.AWS_REGION = 'ap-northeast-1';
process.env.STAGE = 'local';
// The handlers' INFO lines would drown the test output; warnings and errors still show.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
