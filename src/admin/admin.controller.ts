import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  ConflictException,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import { AdminRequestError, AdminService, MAY_STILL_DELIVER } from './admin.service';

const replayFailedSchema = z.strictObject({ reasonContains: z.string().min(1).max(500).optional() });

/** /admin: the operator's use-cases over HTTP (the CLI runs the same AdminService). Behind basic auth. */
@Controller('admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  /**
   * `?late=true`: only those with a FEIL after delivery (a status a confirm cannot undo); `?rejected=true`: only
   * those whose receiver's archive refused them in a receipt (ERROR, NOTSUPPORTED).
   */
  @Get('forsendelser')
  async list(
    @Query('state') state?: string,
    @Query('page') page = '0',
    @Query('size') size = '50',
    @Query('late') late?: string,
    @Query('rejected') rejected?: string,
  ) {
    try {
      const flags = (['late', 'rejected'] as const).filter((flag) => {
        const value = flag === 'late' ? late : rejected;
        if (value !== undefined && value !== 'true' && value !== 'false') {
          throw new AdminRequestError(`${flag} must be true or false`);
        }
        return value === 'true';
      });
      if (flags.length > 1) {
        throw new AdminRequestError('late=true and rejected=true are two lists; ask for one');
      }
      if (flags.length === 1 && state !== undefined) {
        throw new AdminRequestError(`${flags[0]}=true lists every state; leave state out`);
      }
      return flags.length === 1
        ? await this.admin.listFlagged(flags[0], Number(page), Number(size))
        : await this.admin.list(state, Number(page), Number(size));
    } catch (error) {
      throw error instanceof AdminRequestError ? new BadRequestException(error.message) : error;
    }
  }

  @Get('forsendelser/:mottakId')
  async show(@Param('mottakId', ParseUUIDPipe) mottakId: string) {
    const found = await this.admin.show(mottakId);
    if (!found) {
      throw new NotFoundException(`no forsendelse ${mottakId}`);
    }
    return found;
  }

  @Post('forsendelser/:mottakId/replay')
  @HttpCode(200)
  async replay(@Param('mottakId', ParseUUIDPipe) mottakId: string) {
    const outcome = await this.admin.replay(mottakId);
    if (outcome === 'not-found') {
      throw new NotFoundException(`no forsendelse ${mottakId}`);
    }
    if (outcome === 'may-still-deliver') {
      throw new ConflictException(`${mottakId}: ${MAY_STILL_DELIVER}`);
    }
    return { mottakId, outcome };
  }

  @Post('forsendelser/:mottakId/recheck')
  @HttpCode(200)
  async recheck(@Param('mottakId', ParseUUIDPipe) mottakId: string) {
    const outcome = await this.admin.recheck(mottakId);
    if (outcome === 'not-found') {
      throw new NotFoundException(`no forsendelse ${mottakId}`);
    }
    return { mottakId, outcome };
  }

  @Post('replay-failed')
  @HttpCode(200)
  async replayFailed(@Body() body: unknown) {
    const parsed = replayFailedSchema.safeParse(body ?? {});
    if (!parsed.success) {
      throw new BadRequestException(z.prettifyError(parsed.error));
    }
    return this.admin.replayFailed(parsed.data.reasonContains);
  }
}
