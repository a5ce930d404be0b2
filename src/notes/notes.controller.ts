import { EmptyBodyDto } from '../common/empty-body.dto';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { AccessTokenGuard } from '../auth/tokens/access-token.guard';
import type { Principal } from '../auth/principal';
import { createValidationPipe } from '../common/validation';
import { CreateNoteDto, NoteView } from './dto/note.dto';
import { NotesService } from './notes.service';

/** The example feature module: all it needs from auth is the guard and @CurrentUser(). */
@ApiTags('notes')
@ApiBearerAuth()
@UseGuards(AccessTokenGuard)
@UsePipes(createValidationPipe())
@Controller('notes')
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @Post()
  @ApiCreatedResponse({ type: NoteView })
  create(@CurrentUser() user: Principal, @Body() dto: CreateNoteDto): Promise<NoteView> {
    return this.notes.create(user.userId, dto);
  }

  @Get()
  @ApiOkResponse({ type: [NoteView] })
  list(@CurrentUser() user: Principal): Promise<NoteView[]> {
    return this.notes.list(user.userId);
  }

  @Get(':id')
  @ApiOkResponse({ type: NoteView })
  get(@CurrentUser() user: Principal, @Param('id') id: string): Promise<NoteView> {
    return this.notes.get(user.userId, id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(
    @CurrentUser() user: Principal,
    @Param('id') id: string,
    @Body() _body: EmptyBodyDto,
  ): Promise<void> {
    return this.notes.remove(user.userId, id);
  }
}
