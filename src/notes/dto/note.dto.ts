import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength, NotContains } from 'class-validator';

export class CreateNoteDto {
  @ApiProperty({ example: 'Groceries', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @NotContains('\u0000', { message: 'title must not contain NUL characters' })
  title!: string;

  @ApiProperty({ example: 'eggs, flour', maxLength: 10000 })
  @IsString()
  @MaxLength(10000)
  @NotContains('\u0000', { message: 'body must not contain NUL characters' })
  body!: string;
}

export class NoteView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() body!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
