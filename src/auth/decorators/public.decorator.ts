import { SetMetadata } from '@nestjs/common';

export const PUBLIC_KEY = 'latch:public';

/** Public on purpose: no access guard (checked at start-up by GuardedRoutesCheck). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
