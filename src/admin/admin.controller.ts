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

  /** `?late=true`: only those with a FEIL after delivery (a status a confirm cannot undo). */
  @Get('forsendelser')
  async list(
    @Query('state') state?: string,
    @Query('page') page = '0',
    @Query('size') size = '50',
    @Query('late') late?: string,
  ) {
    try {
      if (late !== undefined && late !== 'true' && late !== 'false') {
        throw new AdminRequestError('late must be true or false');
      }
      if (late === 'true' && state !== undefined) {
        throw new AdminRequestError('late=true lists every state; leave state out');
      }
      return late === 'true'
        ? await this.admin.listLate(Number(page), Number(size))
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
