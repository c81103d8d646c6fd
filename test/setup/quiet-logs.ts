import { Logger } from '@nestjs/common';

// Tests assert on what the simulators recorded, not on our logs; TEST_LOGS=1 shows them when debugging.
if (!process.env.TEST_LOGS) {
  Logger.overrideLogger(false);
}
