import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches, MaxLength } from 'class-validator';

const NO_NUL = /^[^\u0000]*$/;

export class CreateNoteDto {
  @ApiProperty({ example: 'Groceries', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(NO_NUL, { message: 'title must not contain NUL characters' })
  title!: string;

  @ApiProperty({ example: 'eggs, flour', maxLength: 10000 })
  @IsString()
  @MaxLength(10000)
  @Matches(NO_NUL, { message: 'body must not contain NUL characters' })
  body!: string;
}

export class NoteView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
